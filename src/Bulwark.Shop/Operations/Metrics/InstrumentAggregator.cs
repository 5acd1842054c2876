using System.Diagnostics.Metrics;

namespace Bulwark.Shop.Operations.Metrics;

/// <summary>
/// Keeps what one instrument has measured, per attribute set. Measurements arrive on any thread (the
/// request that recorded them); snapshots are taken by a scrape or the dashboard's sampler.
/// </summary>
public abstract class InstrumentAggregator(Instrument instrument, MetricKind kind)
{
    public Instrument Instrument { get; } = instrument;

    public MetricKind Kind { get; } = kind;

    /// <summary>
    /// True for instruments whose callbacks report the whole current state at each collection: what they
    /// did not report this time no longer exists (a pool that was disposed, a state that emptied).
    /// </summary>
    public bool ReportsOnCollection => Instrument.IsObservable;

    public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>Forgets the values of the previous collection; only called for <see cref="ReportsOnCollection"/>.</summary>
    public abstract void BeginCollection();

    public InstrumentSnapshot Snapshot() =>
        new(Instrument.Meter.Name, Instrument.Name, Instrument.Unit, Instrument.Description, Kind, Points());

    protected abstract IReadOnlyList<MetricPoint> Points();

    /// <summary>Chooses how to aggregate an instrument, following the OpenTelemetry data model.</summary>
    public static InstrumentAggregator For(Instrument instrument)
    {
        var type = instrument.GetType();
        var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (definition == typeof(Counter<>))
        {
            return new SumAggregator(instrument, MetricKind.Counter);
        }

        if (definition == typeof(UpDownCounter<>))
        {
            return new SumAggregator(instrument, MetricKind.Gauge);
        }

        if (definition == typeof(Histogram<>))
        {
            return new HistogramAggregator(instrument, HistogramBuckets.For(instrument));
        }

        // Observable counters report their running total, observable up-down counters and gauges their
        // current value, and the synchronous Gauge<T> records a current value: the last one wins.
        return new LastValueAggregator(instrument, definition == typeof(ObservableCounter<>) ? MetricKind.Counter : MetricKind.Gauge);
    }
}
