using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Tests.Support;

/// <summary>A waiter that remembers how it was answered.</summary>
public sealed class RecordingWaiter(Priority priority, long deadline, string name = "") : GateWaiter(priority, deadline)
{
    public string Name { get; } = name;

    public Permit? Permit { get; private set; }

    public RejectionReason? Rejection { get; private set; }

    public TimeSpan RetryAfter { get; private set; }

    public bool Cancelled { get; private set; }

    public Action<RecordingWaiter>? OnAdmission { get; init; }

    protected internal override void OnAdmitted(Permit permit)
    {
        Permit = permit;
        OnAdmission?.Invoke(this);
    }

    protected internal override void OnRejected(RejectionReason reason, TimeSpan retryAfter)
    {
        Rejection = reason;
        RetryAfter = retryAfter;
    }

    protected internal override void OnCancelled() => Cancelled = true;
}
