using System.Diagnostics.Metrics;

namespace Bulwark.Shop.Operations.Metrics;

/// <summary>Histograms: counts per explicit bucket, plus the sum and count of all measurements.</summary>
public sealed class HistogramAggregator(Instrument instrument, double[] bounds) : InstrumentAggregator(instrument, MetricKind.Histogram)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<TagSet, Series> _series = [];

    public IReadOnlyList<double> Bounds => bounds;

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = TagSet.From(tags);
        var bucket = BucketOf(value);
        lock (_lock)
        {
            if (!_series.TryGetValue(key, out var series))
            {
                series = new Series(new long[bounds.Length + 1]);
                _series[key] = series;
            }

            series.Counts[bucket]++;
            series.Sum += value;
            series.Count++;
        }
    }

    public override void BeginCollection()
    {
        // Histograms are synchronous: their distribution accumulates from the start of the process.
    }

    protected override IReadOnlyList<MetricPoint> Points()
    {
        lock (_lock)
        {
            return [.. _series.Select(pair => new MetricPoint(pair.Key, pair.Value.Sum,
                new HistogramData(bounds, [.. pair.Value.Counts], pair.Value.Sum, pair.Value.Count)))];
        }
    }

    /// <summary>The first bucket whose upper bound is at or above the value (Prometheus' <c>le</c>); the overflow bucket otherwise.</summary>
    private int BucketOf(double value)
    {
        var index = Array.BinarySearch(bounds, value);
        return index >= 0 ? index : ~index;
    }

    private sealed class Series(long[] counts)
    {
        public long[] Counts { get; } = counts;

        public double Sum { get; set; }

        public long Count { get; set; }
    }
}
