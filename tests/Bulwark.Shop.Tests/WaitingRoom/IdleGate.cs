using Bulwark.Guard.Gate;

namespace Bulwark.Shop.Tests.WaitingRoom;

/// <summary>A gate with nothing queued and nothing to apply: the rooms' view of checkout when checkout is quiet.</summary>
internal sealed class IdleGate : IGatePressure, IGateControl
{
    public GateSettings Settings { get; } = new();

    public int ServerCeiling => 10;

    public TimeSpan EstimatedQueueDelay(Priority priority) => TimeSpan.Zero;

    public TimeSpan EstimatedDrainTime(Priority priority, TimeSpan target) => TimeSpan.Zero;

    public bool AbsorbingBurst(Priority priority, TimeSpan target, TimeSpan interval) => false;

    public void RecordRejection(Priority priority, RejectionReason reason)
    {
    }

    public void Apply(GateSettings settings)
    {
    }

    public void SetShare(int connections)
    {
    }

    public Task<int> RefreshCeilingAsync(CancellationToken cancellationToken) => Task.FromResult(10);
}
