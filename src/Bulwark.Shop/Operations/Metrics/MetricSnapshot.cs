namespace Bulwark.Shop.Operations.Metrics;

/// <summary>Everything one instrument measured so far, per attribute set.</summary>
public sealed record InstrumentSnapshot(
    string MeterName, string Name, string? Unit, IReadOnlyList<MetricPoint> Points);

/// <summary>
/// One series: the current value of a gauge, the running total of a counter, or (for a histogram) the
/// running distribution, with <see cref="Value"/> holding its sum.
/// </summary>
public sealed record MetricPoint(TagSet Tags, double Value, HistogramData? Histogram = null);

/// <summary>
/// A histogram since the start of the process: <see cref="Counts"/>[i] measurements fell at or below
/// <see cref="Bounds"/>[i] and above the bound before it (per bucket, not cumulative across buckets); the last
/// count (one more than there are bounds) is everything above the last bound.
/// </summary>
public sealed record HistogramData(IReadOnlyList<double> Bounds, IReadOnlyList<long> Counts, double Sum, long Count)
{
    /// <summary>
    /// The q-quantile (0..1) estimated the way PromQL's <c>histogram_quantile</c> does: linear
    /// interpolation inside the bucket that holds the rank. Null when nothing was measured; the highest
    /// finite bound when the rank lies in the overflow bucket.
    /// </summary>
    public static double? Quantile(double q, IReadOnlyList<double> bounds, IReadOnlyList<long> counts)
    {
        long total = 0;
        foreach (var count in counts)
        {
            total += count;
        }

        if (total == 0)
        {
            return null;
        }

        var rank = q * total;
        long below = 0;
        for (var i = 0; i < counts.Count; i++)
        {
            if (below + counts[i] >= rank && counts[i] > 0)
            {
                if (i == bounds.Count)
                {
                    return bounds.Count == 0 ? null : bounds[^1];
                }

                var lower = i == 0 ? Math.Min(0, bounds[0]) : bounds[i - 1];
                var upper = bounds[i];
                return lower + (upper - lower) * ((rank - below) / counts[i]);
            }

            below += counts[i];
        }

        return bounds.Count == 0 ? null : bounds[^1];
    }
}
