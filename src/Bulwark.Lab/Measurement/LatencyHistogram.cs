using HdrHistogram;

namespace Bulwark.Lab.Measurement;

/// <summary>
/// A latency histogram in microseconds, kept by HdrHistogram's <see cref="LongConcurrentHistogram"/>:
/// many load-generator continuations record into one instance at once without losing a value.
/// The lab reads it once the recording is over (a live display's read of a moving histogram is
/// approximate, never wrong by more than the values still arriving).
/// </summary>
/// <remarks>
/// Tracks 0 µs to one hour; a larger value is recorded as one hour (no lab request lives that long:
/// every one has a timeout of seconds). A percentile is HdrHistogram's: the highest value equivalent
/// to the recorded one at the rank, so it is never below the true value and at most
/// <see cref="RelativePrecision"/> above it.
/// </remarks>
public sealed class LatencyHistogram(int significantDigits = LatencyHistogram.ReportDigits)
{
    /// <summary>Three significant digits: a reported value is within 0.1% of the recorded one.</summary>
    public const int ReportDigits = 3;

    /// <summary>Two significant digits (within 1/128 ≈ 0.8%), a seventh of the memory: for the per-second charts' many histograms.</summary>
    public const int ChartDigits = 2;

    public const long MaxTrackableMicros = 3_600_000_000;

    readonly LongConcurrentHistogram _counts = new(1, MaxTrackableMicros, significantDigits);

    /// <summary>Upper bound of the relative error of any percentile this histogram reports.</summary>
    public double RelativePrecision => 1.0 / (_counts.SubBucketCount / 2);

    public long Count => _counts.TotalCount;

    /// <summary>Largest recorded value (to the histogram's precision), 0 when empty.</summary>
    public long MaxMicros => Count == 0 ? 0 : _counts.GetMaxValue();

    public double MeanMicros => Count == 0 ? 0 : _counts.GetMean();

    public void Record(TimeSpan latency) => RecordMicros(latency.Ticks / TimeSpan.TicksPerMicrosecond);

    public void RecordMicros(long micros) => _counts.RecordValue(Math.Clamp(micros, 0, MaxTrackableMicros));

    /// <summary>Adds every value recorded in <paramref name="other"/> to this histogram.</summary>
    public void Add(LatencyHistogram other) => _counts.Add(other._counts);

    public static LatencyHistogram Merge(IEnumerable<LatencyHistogram> parts)
    {
        var merged = new LatencyHistogram();
        foreach (var part in parts) merged.Add(part);
        return merged;
    }

    /// <summary>The value at <paramref name="percentile"/> (0–100) in µs; 0 when empty.</summary>
    public long PercentileMicros(double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percentile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        return Count == 0 ? 0 : _counts.GetValueAtPercentile(percentile);
    }

    public double PercentileMs(double percentile) => PercentileMicros(percentile) / 1000.0;

    /// <summary>Share of recorded values at or below <paramref name="micros"/> (to the histogram's precision); 0 when empty.</summary>
    public double FractionAtOrBelow(long micros)
    {
        var total = Count;
        if (total == 0) return 0;
        long atOrBelow = 0;
        foreach (var bucket in _counts.RecordedValues())
        {
            if (_counts.LowestEquivalentValue(bucket.ValueIteratedTo) > micros) break;
            atOrBelow += bucket.CountAtValueIteratedTo;
        }
        return Math.Min(1, atOrBelow / (double)total);
    }

    public LatencySummary Summarize() => new(
        Count,
        PercentileMs(50),
        PercentileMs(90),
        PercentileMs(99),
        PercentileMs(99.9),
        MaxMicros / 1000.0,
        MeanMicros / 1000.0);
}

/// <summary>Percentiles of one histogram, in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs, double MeanMs)
{
    public static LatencySummary Empty { get; } = new(0, 0, 0, 0, 0, 0, 0);
}
