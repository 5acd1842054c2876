using System.Threading.RateLimiting;
using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Edge;

/// <summary>
/// The per-client limiter, rebuilt when the runtime settings change (token buckets
/// cannot change their rate in place). Readers take the current one with one volatile read.
/// </summary>
public sealed class EdgeLimiters(IGateControl control) : IDisposable
{
    private readonly Lock _rebuild = new();
    private volatile Limiters? _current;

    /// <summary>Takes a request token for the client; false with a Retry-After when it is over its rate.</summary>
    public bool TryAdmitClient(string clientKey, out TimeSpan retryAfter) =>
        TokenBuckets.TryTake(Current().Clients, clientKey, out retryAfter);

    private Limiters Current()
    {
        var settings = control.Settings;
        var current = _current;
        if (current is not null && current.RateLimit == settings.RateLimit)
        {
            return current;
        }

        lock (_rebuild)
        {
            current = _current;
            if (current is not null && current.RateLimit == settings.RateLimit)
            {
                return current;
            }

            var next = new Limiters(settings.RateLimit, TokenBuckets.PerSecond(settings.RateLimit.PermitsPerSecond, settings.RateLimit.Burst));
            _current = next;
            current?.Dispose();
            return next;
        }
    }

    public void Dispose() => _current?.Dispose();

    private sealed record Limiters(ClientRateLimitSettings RateLimit, PartitionedRateLimiter<string> Clients) : IDisposable
    {
        public void Dispose() => Clients.Dispose();
    }
}
