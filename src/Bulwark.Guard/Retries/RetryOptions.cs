namespace Bulwark.Guard.Retries;

/// <summary>How transient database failures are retried.</summary>
public sealed record RetryOptions
{
    /// <summary>Attempts in all, the first included. Default 3.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Backoff before the first retry; doubles each time, fully jittered. Default 20 ms.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Longest backoff. Default 500 ms.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Retries allowed per first attempt over the window. Default 0.1 (10% extra load at most).</summary>
    public double BudgetRatio { get; init; } = 0.1;

    /// <summary>The sliding window the budget counts over. Default 10 s.</summary>
    public TimeSpan BudgetWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Retries allowed per window on top of the ratio, so a quiet service can still retry a lone failure
    /// (10% of three calls is no retry at all). Under load the ratio dominates. Default 5.
    /// </summary>
    public int MinRetriesPerWindow { get; init; } = 5;

    public IEnumerable<string> Validate()
    {
        if (MaxAttempts < 1)
        {
            yield return "retry.maxAttempts must be at least 1.";
        }

        if (BaseDelay < TimeSpan.Zero || MaxDelay < BaseDelay)
        {
            yield return "retry delays must satisfy 0 <= baseDelay <= maxDelay.";
        }

        if (BudgetRatio < 0 || BudgetWindow <= TimeSpan.Zero || MinRetriesPerWindow < 0)
        {
            yield return "retry budget needs ratio >= 0, a positive window and minRetriesPerWindow >= 0.";
        }
    }
}
