namespace Bulwark.Shop.Operations.Metrics;

/// <summary>One collection of every instrument, with the look-ups the dashboard needs.</summary>
public sealed class CollectedMetrics(IReadOnlyList<InstrumentSnapshot> instruments)
{
    public static readonly CollectedMetrics Empty = new([]);

    public IReadOnlyList<InstrumentSnapshot> Instruments { get; } = instruments;

    /// <summary>The points of an instrument (by its OpenTelemetry name) across meters, optionally only one meter's.</summary>
    public IEnumerable<MetricPoint> Points(string name, string? meterName = null) =>
        Instruments
            .Where(instrument => instrument.Name == name && (meterName is null || instrument.MeterName == meterName))
            .SelectMany(instrument => instrument.Points);

    public bool Has(string name, string? meterName = null) => Points(name, meterName).Any();

    /// <summary>Sum of the values (for histograms: the sums) of the matching points; zero when there are none.</summary>
    public double Sum(string name, Func<TagSet, bool>? where = null, string? meterName = null) =>
        Points(name, meterName).Where(point => where is null || where(point.Tags)).Sum(point => point.Value);

    /// <summary>Cumulative bucket counts of the matching histogram points merged; null when there are none.</summary>
    public HistogramTotals? Histogram(string name, Func<TagSet, bool>? where = null, string? meterName = null)
    {
        HistogramTotals? merged = null;
        foreach (var point in Points(name, meterName))
        {
            if (point.Histogram is not { } histogram || (where is not null && !where(point.Tags)))
            {
                continue;
            }

            merged = merged is null ? HistogramTotals.From(histogram) : merged.Add(histogram);
        }

        return merged;
    }
}

/// <summary>Running histogram counts, mergeable across series with the same bounds and subtractable over time.</summary>
public sealed record HistogramTotals(IReadOnlyList<double> Bounds, long[] Counts)
{
    public long Count => Counts.Sum();

    public static HistogramTotals From(HistogramData histogram) => new(histogram.Bounds, [.. histogram.Counts]);

    public HistogramTotals Add(HistogramData histogram)
    {
        // Series of one instrument share its bounds; a series with other bounds cannot be merged bucket-wise.
        if (!histogram.Bounds.SequenceEqual(Bounds))
        {
            return this;
        }

        var counts = (long[])Counts.Clone();
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] += histogram.Counts[i];
        }

        return this with { Counts = counts };
    }

    /// <summary>What was measured after <paramref name="earlier"/>: counts only grow, so this is the window between them.</summary>
    public HistogramTotals Since(HistogramTotals? earlier)
    {
        if (earlier is null || !earlier.Bounds.SequenceEqual(Bounds))
        {
            return this;
        }

        var counts = new long[Counts.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = Math.Max(0, Counts[i] - earlier.Counts[i]);
        }

        return this with { Counts = counts };
    }

    public double? Quantile(double q) => HistogramData.Quantile(q, Bounds, Counts);
}
