namespace Bulwark.Guard.Gate;

/// <summary>
/// One caller waiting for admission. Production uses an awaitable waiter; the simulation subclasses it
/// to schedule events, so both run the same queueing code.
/// </summary>
/// <remarks>
/// The callbacks run while the gate holds its queue lock, so that admission and the waiter's state
/// change are one step. They must be quick and must not call back into the gate.
/// </remarks>
public abstract class GateWaiter(Priority priority, long deadline)
{
    public Priority Priority { get; } = priority;

    /// <summary>Timestamp (gate clock) by which the work must be finished.</summary>
    public long Deadline { get; } = deadline;

    /// <summary>
    /// A later step of work that was admitted before and has already spent something (<see cref="ContinuingWork"/>):
    /// it waits ahead of every new waiter of its priority.
    /// </summary>
    public bool Continuing { get; init; }

    internal long EnqueuedAt { get; set; }

    internal GateWaiter? Previous { get; set; }

    internal GateWaiter? Next { get; set; }

    internal bool IsQueued { get; set; }

    internal ITimer? Expiry { get; set; }

    internal ConcurrencyGate? Gate { get; set; }

    /// <summary>Admitted: the permit must eventually be returned through <see cref="ConcurrencyGate.Exit"/>.</summary>
    protected internal abstract void OnAdmitted(Permit permit);

    /// <summary>Refused or expired; it never got a slot.</summary>
    protected internal abstract void OnRejected(RejectionReason reason, TimeSpan retryAfter);

    /// <summary>Its caller cancelled while it waited; it never got a slot.</summary>
    protected internal abstract void OnCancelled();
}
