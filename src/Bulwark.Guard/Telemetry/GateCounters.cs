using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Telemetry;

/// <summary>
/// Monotonic counts the gate, the edge and the retry loop bump with interlocked increments, read by
/// the statistics snapshot and the metrics callbacks without any lock.
/// </summary>
public sealed class GateCounters
{
    private const int Priorities = 3;
    private static readonly int Reasons = RejectionReasons.All.Count;

    private readonly long[] _admitted = new long[Priorities];
    private readonly long[] _rejected = new long[Priorities * Reasons];
    private long _timeouts;
    private long _retries;
    private long _leaks;

    /// <summary>Time admitted work spent queueing (zero for those admitted at once).</summary>
    public LatencyReservoir QueueDelay { get; } = new();

    public void Admitted(Priority priority) => Interlocked.Increment(ref _admitted[(int)priority]);

    public void Rejected(Priority priority, RejectionReason reason) =>
        Interlocked.Increment(ref _rejected[(int)priority * Reasons + (int)reason]);

    /// <summary>A waiter that expired in the queue, or work cancelled by its deadline.</summary>
    public void TimedOut() => Interlocked.Increment(ref _timeouts);

    public void Retried() => Interlocked.Increment(ref _retries);

    public void LeakSuspected() => Interlocked.Increment(ref _leaks);

    public long AdmittedCount(Priority priority) => Volatile.Read(ref _admitted[(int)priority]);

    public long RejectedCount(Priority priority, RejectionReason reason) =>
        Volatile.Read(ref _rejected[(int)priority * Reasons + (int)reason]);

    public long Timeouts => Volatile.Read(ref _timeouts);

    public long Retries => Volatile.Read(ref _retries);

    public long Leaks => Volatile.Read(ref _leaks);
}
