using System.Diagnostics.Metrics;

namespace Bulwark.Shop.Operations.Metrics;

/// <summary>Gauges and observable instruments: each measurement is the whole current value of its series.</summary>
public sealed class LastValueAggregator(Instrument instrument, MetricKind kind) : InstrumentAggregator(instrument, kind)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<TagSet, double> _values = [];

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = TagSet.From(tags);
        lock (_lock)
        {
            _values[key] = value;
        }
    }

    public override void BeginCollection()
    {
        lock (_lock)
        {
            _values.Clear();
        }
    }

    protected override IReadOnlyList<MetricPoint> Points()
    {
        lock (_lock)
        {
            return [.. _values.Select(pair => new MetricPoint(pair.Key, pair.Value))];
        }
    }
}
