namespace Bulwark.Guard.Retries;

/// <summary>
/// Exponential backoff with full jitter: a uniform pick in [0, min(max, base·2^(retry−1))]. The jitter
/// spreads out the callers that failed together, so they do not come back together.
/// </summary>
public sealed class Backoff(RetryOptions options, Random random)
{
    /// <param name="retry">1 for the first retry.</param>
    public TimeSpan Delay(int retry)
    {
        var cap = Math.Min(options.MaxDelay.TotalSeconds, options.BaseDelay.TotalSeconds * Math.Pow(2, retry - 1));
        return TimeSpan.FromSeconds(cap * random.NextDouble());
    }
}
