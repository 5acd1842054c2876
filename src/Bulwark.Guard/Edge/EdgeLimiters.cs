using System.Threading.RateLimiting;
using Bulwark.Guard.Budget;
using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Edge;

/// <summary>
/// The per-client limiter, rebuilt when the runtime settings or the number of live instances change
/// (token buckets cannot change their rate in place). Each instance enforces its part of the configured
/// rate, so the instances together allow a client what the settings say. Readers take the current one
/// with one volatile read.
/// </summary>
public sealed class EdgeLimiters(IGateControl control, LiveInstances instances) : IDisposable
{
    private readonly Lock _rebuild = new();
    private volatile Limiters? _current;

    /// <summary>Takes a request token for the client; false with a Retry-After when it is over its rate.</summary>
    public bool TryAdmitClient(string clientKey, out TimeSpan retryAfter) =>
        TokenBuckets.TryTake(Current().Clients, clientKey, out retryAfter);

    private Limiters Current()
    {
        var settings = control.Settings;
        var sharing = instances.Count;
        var current = _current;
        if (current is not null && current.RateLimit == settings.RateLimit && current.Instances == sharing)
        {
            return current;
        }

        lock (_rebuild)
        {
            current = _current;
            if (current is not null && current.RateLimit == settings.RateLimit && current.Instances == sharing)
            {
                return current;
            }

            var limit = settings.RateLimit;
            var next = new Limiters(limit, sharing,
                TokenBuckets.PerSecond((double)limit.PermitsPerSecond / sharing, Math.Max(1, (limit.Burst + sharing - 1) / sharing)));
            _current = next;
            current?.Dispose();
            return next;
        }
    }

    public void Dispose() => _current?.Dispose();

    private sealed record Limiters(ClientRateLimitSettings RateLimit, int Instances, PartitionedRateLimiter<string> Clients) : IDisposable
    {
        public void Dispose() => Clients.Dispose();
    }
}
