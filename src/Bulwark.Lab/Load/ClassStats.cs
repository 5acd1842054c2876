using Bulwark.Lab.Measurement;

namespace Bulwark.Lab.Load;

/// <summary>Counters and latency histograms of one request class during one run; safe to record from many threads.</summary>
public sealed class ClassStats
{
    readonly long[] _outcomes = new long[Enum.GetValues<Outcome>().Length];
    readonly long[] _lateOutcomes = new long[Enum.GetValues<Outcome>().Length];
    long _offered;
    long _good;
    long _serverErrors;

    /// <summary>Every answered request plus every timeout (at the timeout), from the intended send time.</summary>
    public LatencyHistogram All { get; } = new();

    /// <summary>2xx answers only.</summary>
    public LatencyHistogram Successful { get; } = new();

    /// <summary>503 answers only: shedding is only useful if it is fast.</summary>
    public LatencyHistogram Shed { get; } = new();

    public long Offered => Volatile.Read(ref _offered);
    public long Good => Volatile.Read(ref _good);

    /// <summary>Answers later than the deadline, whatever their outcome (timeouts are counted apart).</summary>
    public long SlowerThanDeadline
    {
        get
        {
            long late = 0;
            for (var i = 0; i < _lateOutcomes.Length; i++) late += Volatile.Read(ref _lateOutcomes[i]);
            return late;
        }
    }

    /// <summary>5xx answers other than 503 (a 503 is shedding, by design; anything else is a failure of the shop).</summary>
    public long ServerErrors => Volatile.Read(ref _serverErrors);
    public long Count(Outcome outcome) => Volatile.Read(ref _outcomes[(int)outcome]);

    /// <summary>Answers of this outcome that came later than the request's deadline (its slowest request, the generator's send lag included).</summary>
    public long SlowerThanDeadlineWith(Outcome outcome) => Volatile.Read(ref _lateOutcomes[(int)outcome]);

    internal void RecordOffered() => Interlocked.Increment(ref _offered);

    internal void Record(Outcome outcome, TimeSpan latency, bool good, bool slowerThanDeadline, bool serverError = false)
    {
        Interlocked.Increment(ref _outcomes[(int)outcome]);
        if (serverError) Interlocked.Increment(ref _serverErrors);
        if (outcome == Outcome.Dropped) return;
        All.Record(latency);
        if (outcome == Outcome.Success) Successful.Record(latency);
        if (outcome == Outcome.Shed) Shed.Record(latency);
        if (good) Interlocked.Increment(ref _good);
        if (slowerThanDeadline) Interlocked.Increment(ref _lateOutcomes[(int)outcome]);
    }
}
