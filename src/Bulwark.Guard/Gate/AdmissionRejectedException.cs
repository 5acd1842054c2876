namespace Bulwark.Guard.Gate;

/// <summary>
/// The gate (or the edge) refused a unit of work rather than let it wait in vain. The edge answers it
/// with 503 (or 429 for rate limits) and a <c>Retry-After</c> of <see cref="RetryAfter"/>.
/// </summary>
public sealed class AdmissionRejectedException(Priority priority, RejectionReason reason, TimeSpan retryAfter)
    : Exception($"Admission refused for {priority.Tag()} work: {reason.Tag()}; retry after {retryAfter.TotalMilliseconds:0} ms.")
{
    public Priority Priority { get; } = priority;

    public RejectionReason Reason { get; } = reason;

    /// <summary>When trying again has a fair chance: the time the queue needs to drain.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}
