using System.Diagnostics.Metrics;

namespace Bulwark.Shop.Operations.Metrics;

/// <summary>Synchronous counters and up-down counters: each measurement is an increment.</summary>
public sealed class SumAggregator(Instrument instrument, MetricKind kind) : InstrumentAggregator(instrument, kind)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<TagSet, double> _sums = [];

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = TagSet.From(tags);
        lock (_lock)
        {
            _sums[key] = _sums.GetValueOrDefault(key) + value;
        }
    }

    public override void BeginCollection()
    {
        // Increments accumulate from the start of the process; there is nothing to forget.
    }

    protected override IReadOnlyList<MetricPoint> Points()
    {
        lock (_lock)
        {
            return [.. _sums.Select(pair => new MetricPoint(pair.Key, pair.Value))];
        }
    }
}
