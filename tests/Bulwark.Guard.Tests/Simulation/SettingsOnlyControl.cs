using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Tests.Simulation;

/// <summary>Gate settings that a test sets and reads, for parts that only read the gate's settings.</summary>
internal sealed class SettingsOnlyControl(GateSettings settings) : IGateControl
{
    public GateSettings Settings { get; set; } = settings;

    public int ServerCeiling => 10;

    public void Apply(GateSettings settings) => Settings = settings;

    public void SetShare(int connections) => throw new NotSupportedException("these tests never move the ceiling");

    public Task<int> RefreshCeilingAsync(CancellationToken cancellationToken) => Task.FromResult(ServerCeiling);
}
