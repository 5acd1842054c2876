using System.Collections.Concurrent;

namespace Bulwark.Guard.Edge;

/// <summary>How many failures a key may have: <see cref="Burst"/> at once, then one more every <see cref="Interval"/>.</summary>
public readonly record struct FailureRate(int Burst, TimeSpan Interval)
{
    /// <summary><paramref name="perMinute"/> failures a minute once <paramref name="burst"/> are spent.</summary>
    public static FailureRate PerMinute(int perMinute, int burst) => new(burst, TimeSpan.FromMinutes(1) / perMinute);
}

/// <summary>
/// Failures per key (an address, an account), counted as a generic cell rate (GCRA): each key keeps one
/// time, the moment its budget is whole again; a failure moves it one <see cref="FailureRate.Interval"/>
/// later, and a key is refused while that moment is more than <c>Burst − 1</c> intervals away. It is
/// a token bucket that can be looked at without spending: <see cref="IsExhausted"/> asks before the
/// expensive work (a password hash) and spends nothing; <see cref="RecordFailure"/> spends once the
/// outcome is known, so successes never count. All time comes from the injected clock.
/// </summary>
/// <remarks>
/// Reading is lock-free (one dictionary lookup); only failures write. Concurrent attempts that all pass
/// <see cref="IsExhausted"/> before the first failure is recorded all run: the overshoot is bounded by
/// what can be in flight at once (for sign-in, the password-hashing bulkhead and its deadline).
/// A key whose budget is whole again holds no state worth keeping; such keys are swept out every
/// <see cref="SweepEvery"/> failures, so memory follows the failures of the last window, not every key
/// ever seen.
/// </remarks>
public sealed class FailureBudget(TimeProvider clock)
{
    public const int SweepEvery = 1024;

    private readonly ConcurrentDictionary<string, long> _wholeAt = new(StringComparer.Ordinal);
    private int _failuresSinceSweep;

    /// <summary>Keys that still carry failures (for tests and metrics; swept lazily).</summary>
    public int TrackedKeys => _wholeAt.Count;

    /// <summary>True when one more failure would exceed the budget; <paramref name="retryAfter"/> says when it will not.</summary>
    public bool IsExhausted(string key, FailureRate rate, out TimeSpan retryAfter)
    {
        var now = clock.GetUtcNow().UtcTicks;
        if (!_wholeAt.TryGetValue(key, out var wholeAt))
        {
            retryAfter = TimeSpan.Zero;
            return false;
        }

        // The budget is spent when the next failure would put "whole again" beyond Burst intervals ahead.
        var wait = Math.Max(wholeAt, now) + rate.Interval.Ticks - (rate.Burst * rate.Interval.Ticks) - now;
        retryAfter = wait > 0 ? TimeSpan.FromTicks(wait) : TimeSpan.Zero;
        return wait > 0;
    }

    /// <summary>Counts one failure for <paramref name="key"/>.</summary>
    public void RecordFailure(string key, FailureRate rate)
    {
        var now = clock.GetUtcNow().UtcTicks;
        var ceiling = now + (rate.Burst * rate.Interval.Ticks);
        // Failures recorded past an empty budget (attempts that were already in flight) do not push the
        // key further out than one whole budget: Retry-After stays honest.
        _wholeAt.AddOrUpdate(key, static (_, state) => Math.Min(state.now + state.interval, state.ceiling),
            static (_, wholeAt, state) => Math.Min(Math.Max(wholeAt, state.now) + state.interval, state.ceiling),
            (now, interval: rate.Interval.Ticks, ceiling));

        if (Interlocked.Increment(ref _failuresSinceSweep) >= SweepEvery)
        {
            Interlocked.Exchange(ref _failuresSinceSweep, 0);
            Sweep(now);
        }
    }

    /// <summary>Forgets every key whose budget is whole again.</summary>
    public void Sweep() => Sweep(clock.GetUtcNow().UtcTicks);

    private void Sweep(long now)
    {
        foreach (var (key, wholeAt) in _wholeAt)
        {
            if (wholeAt <= now)
            {
                // Only if it was not spent again meanwhile.
                _wholeAt.TryRemove(new KeyValuePair<string, long>(key, wholeAt));
            }
        }
    }
}
