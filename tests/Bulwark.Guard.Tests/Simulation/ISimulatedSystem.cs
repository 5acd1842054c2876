namespace Bulwark.Guard.Tests.Simulation;

/// <summary>What stands between arriving requests and the simulated database.</summary>
public interface ISimulatedSystem
{
    void Submit(SimulatedRequest request);

    /// <summary>The concurrency limit in force (the pool size for a fixed pool).</summary>
    int Limit { get; }
}
