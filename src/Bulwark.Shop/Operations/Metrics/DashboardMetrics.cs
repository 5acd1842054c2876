using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Bulwark.Shop.Operations.Metrics;

/// <summary>
/// The dashboard's window on the OpenTelemetry SDK: a second metric reader beside the Prometheus
/// exporter, pulled once a second by the sampler. The SDK aggregates; this only copies the cumulative
/// points of one collection into the dashboard's own small model.
/// </summary>
public sealed class DashboardMetrics : IDisposable
{
    private const int CollectTimeoutMilliseconds = 1_000;

    private readonly SnapshotExporter _exporter = new();
    private readonly Lock _collectLock = new();

    public DashboardMetrics() => Reader = new BaseExportingMetricReader(_exporter);

    /// <summary>Added to the shop's meter provider (cumulative temporality, the SDK's default).</summary>
    public MetricReader Reader { get; }

    /// <summary>Collects every instrument now; empty until the meter provider has been built.</summary>
    public CollectedMetrics Collect()
    {
        lock (_collectLock)
        {
            _exporter.Latest = null;
            // A pull exporter collects through the function its reader hands it, which allows the pull.
            return _exporter.Collect?.Invoke(CollectTimeoutMilliseconds) == true && _exporter.Latest is { } latest
                ? latest
                : CollectedMetrics.Empty;
        }
    }

    public void Dispose() => Reader.Dispose();

    /// <summary>Pull only: the reader exports when <see cref="Collect"/> asks, never on a timer of its own.</summary>
    [ExportModes(ExportModes.Pull)]
    private sealed class SnapshotExporter : BaseExporter<Metric>, IPullMetricExporter
    {
        public Func<int, bool>? Collect { get; set; }

        public CollectedMetrics? Latest { get; set; }

        public override ExportResult Export(in Batch<Metric> batch)
        {
            var instruments = new List<InstrumentSnapshot>();
            foreach (var metric in batch)
            {
                var points = new List<MetricPoint>();
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    points.Add(Copy(metric.MetricType, point));
                }

                instruments.Add(new InstrumentSnapshot(metric.MeterName, metric.Name, metric.Unit, points));
            }

            Latest = new CollectedMetrics(instruments);
            return ExportResult.Success;
        }

        private static MetricPoint Copy(MetricType type, in OpenTelemetry.Metrics.MetricPoint point)
        {
            var tags = new List<KeyValuePair<string, object?>>();
            foreach (var tag in point.Tags)
            {
                tags.Add(tag);
            }

            var tagSet = TagSet.From(tags);
            return type switch
            {
                MetricType.LongSum or MetricType.LongSumNonMonotonic => new MetricPoint(tagSet, point.GetSumLong()),
                MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => new MetricPoint(tagSet, point.GetSumDouble()),
                MetricType.LongGauge => new MetricPoint(tagSet, point.GetGaugeLastValueLong()),
                MetricType.DoubleGauge => new MetricPoint(tagSet, point.GetGaugeLastValueDouble()),
                MetricType.Histogram => new MetricPoint(tagSet, point.GetHistogramSum(), Histogram(point)),
                // Exponential histograms are only produced when a view asks for them; the shop's views do not.
                _ => new MetricPoint(tagSet, double.NaN),
            };
        }

        private static HistogramData Histogram(in OpenTelemetry.Metrics.MetricPoint point)
        {
            var bounds = new List<double>();
            var counts = new List<long>();
            foreach (var bucket in point.GetHistogramBuckets())
            {
                if (!double.IsPositiveInfinity(bucket.ExplicitBound))
                {
                    bounds.Add(bucket.ExplicitBound);
                }

                counts.Add(bucket.BucketCount);
            }

            return new HistogramData(bounds, counts, point.GetHistogramSum(), point.GetHistogramCount());
        }
    }
}
