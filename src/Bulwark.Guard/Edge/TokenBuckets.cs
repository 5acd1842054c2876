using System.Threading.RateLimiting;

namespace Bulwark.Guard.Edge;

/// <summary>Partitioned token buckets (one per key) that refuse at once instead of queueing.</summary>
internal static class TokenBuckets
{
    /// <summary>A bucket refilled at <paramref name="perSecond"/> in small steps, holding at most <paramref name="burst"/>.</summary>
    public static PartitionedRateLimiter<string> PerSecond(double perSecond, int burst)
    {
        // Refill in steps of about a tenth of a second so a client is not refused for most of a second
        // after spending its burst; whole tokens per step, the step stretched to keep the rate exact.
        var tokensPerStep = Math.Max(1, (int)(perSecond / 10));
        var step = TimeSpan.FromSeconds(tokensPerStep / perSecond);
        return PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst,
                TokensPerPeriod = tokensPerStep,
                ReplenishmentPeriod = step,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Takes one token for <paramref name="key"/>; when refused, says when one will be there.</summary>
    public static bool TryTake(PartitionedRateLimiter<string> limiter, string key, out TimeSpan retryAfter)
    {
        using var lease = limiter.AttemptAcquire(key);
        if (lease.IsAcquired)
        {
            retryAfter = TimeSpan.Zero;
            return true;
        }

        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        return false;
    }
}
