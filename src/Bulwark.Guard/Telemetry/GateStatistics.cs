using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Telemetry;

/// <summary>
/// One cheap, consistent-enough look at the gate, read without locks: what metrics, the operations
/// dashboard and the edge shedder all see.
/// </summary>
public sealed record GateStatistics
{
    public required GuardMode Mode { get; init; }

    /// <summary>The <c>db.client.connection.pool.name</c> the gate reports under.</summary>
    public required string PoolName { get; init; }

    public required string Algorithm { get; init; }

    /// <summary>Leases allowed at once right now (the adaptive limit; the pool size in Off mode).</summary>
    public required int Limit { get; init; }

    public required int Floor { get; init; }

    /// <summary>Most leases the server can give this instance (Npgsql's Max Pool Size).</summary>
    public required int Ceiling { get; init; }

    /// <summary>Leases held now.</summary>
    public required int InUse { get; init; }

    /// <summary>Open connections nobody holds (Npgsql's count when available, else ceiling − in use).</summary>
    public required int Idle { get; init; }

    /// <summary>Callers waiting for a lease, by priority.</summary>
    public required PriorityCounts Waiting { get; init; }

    /// <summary>Median wait for a lease over the last 1024 admissions (zero for those admitted at once).</summary>
    public required TimeSpan QueueDelayP50 { get; init; }

    public required TimeSpan QueueDelayP99 { get; init; }

    public required PriorityCounts Admitted { get; init; }

    /// <summary>Refusals by priority and reason, only the non-zero ones, since start.</summary>
    public required IReadOnlyList<RejectionCount> Rejected { get; init; }

    /// <summary>Waiters that expired and work cancelled by its deadline, since start.</summary>
    public required long Timeouts { get; init; }

    public required long Retries { get; init; }

    public required long LeaksSuspected { get; init; }

    public long RejectedTotal => Rejected.Sum(r => r.Count);
}

/// <summary>A count per priority.</summary>
public readonly record struct PriorityCounts(long Critical, long Normal, long Sheddable)
{
    public long Total => Critical + Normal + Sheddable;

    public long For(Priority priority) => priority switch
    {
        Priority.Critical => Critical,
        Priority.Normal => Normal,
        _ => Sheddable,
    };

    public static PriorityCounts From(Func<Priority, long> count) =>
        new(count(Priority.Critical), count(Priority.Normal), count(Priority.Sheddable));
}

public readonly record struct RejectionCount(Priority Priority, RejectionReason Reason, long Count);

/// <summary>Anything that can describe its gate (both the guarded gate and the Off-mode pass-through).</summary>
public interface IGateStatisticsProvider
{
    GateStatistics GetStatistics();
}
