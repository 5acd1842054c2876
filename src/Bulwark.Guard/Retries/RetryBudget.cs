namespace Bulwark.Guard.Retries;

/// <summary>
/// Caps retries at a share of first attempts over a sliding window (plus a small allowance), so that
/// when the database is failing, retries add at most that share of load instead of multiplying it:
/// the retry storm that turns a blip into an outage. The window is ten buckets; old buckets are
/// forgotten as the clock moves.
/// </summary>
public sealed class RetryBudget
{
    private const int Buckets = 10;
    private readonly Lock _lock = new();
    private readonly TimeProvider _clock;
    private readonly long _origin;
    private readonly long _bucketTicks;
    private readonly double _ratio;
    private readonly int _minimum;
    private readonly long[] _firstAttempts = new long[Buckets];
    private readonly long[] _retries = new long[Buckets];
    private long _currentBucket;

    public RetryBudget(TimeProvider clock, RetryOptions options)
    {
        _clock = clock;
        _origin = clock.GetTimestamp();
        _bucketTicks = Math.Max(1, (long)(options.BudgetWindow.TotalSeconds * clock.TimestampFrequency / Buckets));
        _ratio = options.BudgetRatio;
        _minimum = options.MinRetriesPerWindow;
    }

    /// <summary>Counts a first attempt: it earns <c>ratio</c> of a retry.</summary>
    public void RecordFirstAttempt()
    {
        // Once per database call; the lock costs nanoseconds beside the call's round trip.
        lock (_lock)
        {
            _firstAttempts[Advance()]++;
        }
    }

    /// <summary>Spends one retry if the window has one left; false means do not retry.</summary>
    public bool TryWithdraw()
    {
        lock (_lock)
        {
            var bucket = Advance();
            long attempts = 0;
            long retries = 0;
            for (var i = 0; i < Buckets; i++)
            {
                attempts += _firstAttempts[i];
                retries += _retries[i];
            }

            if (retries + 1 > attempts * _ratio + _minimum)
            {
                return false;
            }

            _retries[bucket]++;
            return true;
        }
    }

    /// <summary>Retries spent within the current window.</summary>
    public long RetriesInWindow
    {
        get
        {
            lock (_lock)
            {
                Advance();
                return _retries.Sum();
            }
        }
    }

    private int Advance()
    {
        var now = (_clock.GetTimestamp() - _origin) / _bucketTicks;
        var stale = Math.Min(now - _currentBucket, Buckets);
        for (var i = 1; i <= stale; i++)
        {
            var index = (int)((_currentBucket + i) % Buckets);
            _firstAttempts[index] = 0;
            _retries[index] = 0;
        }

        _currentBucket = Math.Max(_currentBucket, now);
        return (int)(_currentBucket % Buckets);
    }
}
