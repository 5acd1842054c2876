using System.Threading.RateLimiting;
using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Edge;

/// <summary>The answer to a sign-in attempt for an account.</summary>
public readonly record struct LoginDecision(bool Refused, TimeSpan RetryAfter);

/// <summary>
/// Per-account throttle against password guessing, for the sign-in handler to call once it has read the
/// account from the body (the edge cannot, without buffering every body): a few attempts per minute per
/// account, whatever address they come from. Together with the per-address limit of endpoints marked
/// <c>WithLoginThrottle()</c> this bounds both one attacker on many accounts and many on one.
/// </summary>
public sealed class LoginThrottle(IGateControl control, GuardMode mode, IGatePressure? pressure = null) : IDisposable
{
    private readonly Lock _rebuild = new();
    private volatile Buckets? _current;

    /// <summary>Spends one attempt for <paramref name="account"/> (case-insensitive); refused when none is left.</summary>
    public LoginDecision Attempt(string account)
    {
        if (mode == GuardMode.Off)
        {
            return new LoginDecision(false, TimeSpan.Zero);
        }

        var key = account.Trim().ToLowerInvariant();
        if (TokenBuckets.TryTake(Current().Limiter, key, out var retryAfter))
        {
            return new LoginDecision(false, TimeSpan.Zero);
        }

        pressure?.RecordRejection(Priority.Normal, RejectionReason.LoginThrottled);
        return new LoginDecision(true, retryAfter);
    }

    private Buckets Current()
    {
        var settings = control.Settings.LoginThrottle;
        var current = _current;
        if (current?.Settings == settings)
        {
            return current;
        }

        lock (_rebuild)
        {
            if (_current?.Settings == settings)
            {
                return _current;
            }

            var next = new Buckets(settings, TokenBuckets.PerSecond(settings.PerAccountPerMinute / 60.0, settings.PerAccountBurst));
            var previous = _current;
            _current = next;
            previous?.Limiter.Dispose();
            return next;
        }
    }

    public void Dispose() => _current?.Limiter.Dispose();

    private sealed record Buckets(LoginThrottleSettings Settings, PartitionedRateLimiter<string> Limiter);
}
