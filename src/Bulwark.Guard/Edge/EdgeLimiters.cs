using System.Threading.RateLimiting;
using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Edge;

/// <summary>
/// The per-client and per-address limiters, rebuilt when the runtime settings change (token buckets
/// cannot change their rate in place). Readers take the current pair with one volatile read.
/// </summary>
public sealed class EdgeLimiters(IGateControl control) : IDisposable
{
    private readonly Lock _rebuild = new();
    private volatile Limiters? _current;

    /// <summary>Takes a request token for the client; false with a Retry-After when it is over its rate.</summary>
    public bool TryAdmitClient(string clientKey, out TimeSpan retryAfter) =>
        TokenBuckets.TryTake(Current().Clients, clientKey, out retryAfter);

    /// <summary>Takes a sign-in attempt for the address; false with a Retry-After when it made too many.</summary>
    public bool TryAdmitLogin(string addressKey, out TimeSpan retryAfter) =>
        TokenBuckets.TryTake(Current().Logins, addressKey, out retryAfter);

    private Limiters Current()
    {
        var settings = control.Settings;
        var current = _current;
        if (current is not null && current.RateLimit == settings.RateLimit && current.Login == settings.LoginThrottle)
        {
            return current;
        }

        lock (_rebuild)
        {
            current = _current;
            if (current is not null && current.RateLimit == settings.RateLimit && current.Login == settings.LoginThrottle)
            {
                return current;
            }

            var next = new Limiters(settings.RateLimit, settings.LoginThrottle,
                TokenBuckets.PerSecond(settings.RateLimit.PermitsPerSecond, settings.RateLimit.Burst),
                TokenBuckets.PerSecond(settings.LoginThrottle.PerAddressPerMinute / 60.0, settings.LoginThrottle.PerAddressBurst));
            _current = next;
            current?.Dispose();
            return next;
        }
    }

    public void Dispose() => _current?.Dispose();

    private sealed record Limiters(
        ClientRateLimitSettings RateLimit,
        LoginThrottleSettings Login,
        PartitionedRateLimiter<string> Clients,
        PartitionedRateLimiter<string> Logins) : IDisposable
    {
        public void Dispose()
        {
            Clients.Dispose();
            Logins.Dispose();
        }
    }
}
