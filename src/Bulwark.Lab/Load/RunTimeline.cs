using Bulwark.Lab.Measurement;

namespace Bulwark.Lab.Load;

/// <summary>
/// Per-second counters of a run, bucketed by the second in which a request completed (offered and
/// dropped by the second it was meant to be sent), for the report's time-series charts.
/// </summary>
public sealed class RunTimeline
{
    readonly Second[] _seconds;

    public RunTimeline(TimeSpan length)
    {
        _seconds = new Second[Math.Max(1, (int)Math.Ceiling(length.TotalSeconds) + 1)];
        for (var i = 0; i < _seconds.Length; i++) _seconds[i] = new Second();
    }

    public int Length => _seconds.Length;

    internal void RecordOffered(RequestClass requestClass, TimeSpan intendedAt)
    {
        var second = At(intendedAt);
        Interlocked.Increment(ref second.Offered);
        if (requestClass == RequestClass.Checkout) Interlocked.Increment(ref second.CheckoutOffered);
    }

    internal void Record(RequestClass requestClass, Outcome outcome, TimeSpan completedAt, TimeSpan latency, bool good)
    {
        var second = At(completedAt);
        switch (outcome)
        {
            case Outcome.Dropped:
                Interlocked.Increment(ref second.Dropped);
                return;
            case Outcome.Shed: Interlocked.Increment(ref second.Shed); break;
            case Outcome.Limited: Interlocked.Increment(ref second.Limited); break;
            case Outcome.Error: Interlocked.Increment(ref second.Errors); break;
            case Outcome.Timeout: Interlocked.Increment(ref second.Timeouts); break;
        }
        Interlocked.Increment(ref second.Completed);
        if (requestClass == RequestClass.Checkout)
        {
            // The shop's checkout alerts look at checkout alone, and count 503s among its 5xx.
            Interlocked.Increment(ref second.CheckoutCompleted);
            if (outcome is Outcome.Error or Outcome.Shed or Outcome.Timeout) Interlocked.Increment(ref second.CheckoutFailed);
            second.CheckoutLatency.Record(latency);
        }
        if (good)
        {
            Interlocked.Increment(ref second.Good);
            if (requestClass == RequestClass.Checkout) Interlocked.Increment(ref second.CheckoutGood);
        }
        second.Latency.Record(latency);
    }

    /// <summary>The series, trimmed to <paramref name="seconds"/> entries.</summary>
    public IReadOnlyList<SecondSummary> Summaries(int seconds) =>
        [.. _seconds.Take(Math.Clamp(seconds, 1, _seconds.Length)).Select((s, i) => new SecondSummary(
            i,
            Volatile.Read(ref s.Offered),
            Volatile.Read(ref s.Completed),
            Volatile.Read(ref s.Good),
            Volatile.Read(ref s.CheckoutGood),
            Volatile.Read(ref s.Shed),
            Volatile.Read(ref s.Limited),
            Volatile.Read(ref s.Errors),
            Volatile.Read(ref s.Timeouts),
            Volatile.Read(ref s.Dropped),
            s.Latency.PercentileMs(99),
            Volatile.Read(ref s.CheckoutCompleted),
            Volatile.Read(ref s.CheckoutFailed),
            s.CheckoutLatency.PercentileMs(99),
            Volatile.Read(ref s.CheckoutOffered)))];

    Second At(TimeSpan offset) => _seconds[Math.Clamp((int)offset.TotalSeconds, 0, _seconds.Length - 1)];

    sealed class Second
    {
        public long Offered, Completed, Good, CheckoutGood, Shed, Limited, Errors, Timeouts, Dropped, CheckoutCompleted, CheckoutFailed, CheckoutOffered;
        public readonly LatencyHistogram Latency = new(LatencyHistogram.ChartDigits);
        public readonly LatencyHistogram CheckoutLatency = new(LatencyHistogram.ChartDigits);
    }
}

/// <summary>One second of a run: counts of requests completing in it and their p99.</summary>
public sealed record SecondSummary(
    int Second,
    long Offered,
    long Completed,
    long Good,
    long CheckoutGood,
    long Shed,
    long Limited,
    long Errors,
    long Timeouts,
    long Dropped,
    double P99Ms,
    long CheckoutCompleted = 0,
    long CheckoutFailed = 0,
    double CheckoutP99Ms = 0,
    long CheckoutOffered = 0);
