namespace Bulwark.Guard.Gate;

/// <summary>
/// Proof of admission: one slot of the limit, held until handed back to <see cref="ConcurrencyGate.Exit"/>.
/// A value so the fast path allocates nothing.
/// </summary>
/// <param name="Priority">The priority it was admitted at.</param>
/// <param name="StartedAt">Timestamp (of the gate's clock) the held time is measured from.</param>
/// <param name="Waited">How long it queued before admission (zero on the fast path).</param>
public readonly record struct Permit(Priority Priority, long StartedAt, TimeSpan Waited)
{
    /// <summary>The same permit timed from <paramref name="timestamp"/>, e.g. once the connection is open.</summary>
    public Permit StartingAt(long timestamp) => this with { StartedAt = timestamp };
}

/// <summary>How a lease ended, which decides what the limit algorithm learns from it.</summary>
public enum LeaseOutcome
{
    /// <summary>The work ran (successfully or with an application error): a latency sample.</summary>
    Completed,

    /// <summary>Timeout or overload error: a latency sample and a drop, the algorithm backs off.</summary>
    Dropped,

    /// <summary>The caller went away before the work said anything about the database: no sample.</summary>
    Abandoned,
}
