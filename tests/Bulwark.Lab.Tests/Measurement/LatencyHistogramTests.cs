using Bulwark.Lab.Measurement;

namespace Bulwark.Lab.Tests.Measurement;

public class LatencyHistogramTests
{
    static readonly double[] Percentiles = [50, 90, 99, 99.9, 100];

    /// <summary>The percentile on sorted data, at the rank HdrHistogram uses: p/100 of the count, rounded, at least 1.</summary>
    static long ExactPercentile(long[] sorted, double percentile)
    {
        var rank = Math.Max(1, (long)(percentile / 100.0 * sorted.Length + 0.5));
        return sorted[rank - 1];
    }

    /// <summary>Latencies shaped like a service's: log-normal around 2 ms with a long tail up to minutes.</summary>
    static long[] SeededLatencies(int count, int seed)
    {
        var random = new Random(seed);
        var values = new long[count];
        for (var i = 0; i < count; i++)
        {
            // Box–Muller normal, exponentiated: median e^7.6 ≈ 2 ms, sigma wide enough for a 10 s+ tail.
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            values[i] = (long)Math.Exp(7.6 + 1.8 * normal);
        }
        return values;
    }

    [Theory]
    [InlineData(LatencyHistogram.ReportDigits, 0.001)]
    [InlineData(LatencyHistogram.ChartDigits, 0.008)]
    public void Percentiles_are_never_under_the_exact_value_and_within_the_stated_precision_above_it(int digits, double precision)
    {
        var values = SeededLatencies(200_000, seed: 42);
        var histogram = new LatencyHistogram(digits);
        foreach (var v in values) histogram.RecordMicros(v);
        var sorted = values.Order().ToArray();

        Assert.True(histogram.RelativePrecision <= precision, $"precision {histogram.RelativePrecision}");
        foreach (var p in Percentiles)
        {
            var exact = ExactPercentile(sorted, p);
            var reported = histogram.PercentileMicros(p);
            Assert.InRange(reported, exact, exact + (long)Math.Ceiling(exact * histogram.RelativePrecision));
        }
        Assert.InRange(histogram.MaxMicros, sorted[^1], sorted[^1] * (1 + histogram.RelativePrecision));
        Assert.Equal(values.Length, histogram.Count);
        Assert.Equal(values.Average(), histogram.MeanMicros, tolerance: values.Average() * histogram.RelativePrecision);
    }

    [Fact]
    public void Milliseconds_are_the_microsecond_values_divided_by_a_thousand()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(TimeSpan.FromMilliseconds(12.5));
        Assert.Equal(12.5, histogram.PercentileMs(99), precision: 1);
        Assert.Equal(12_500, histogram.PercentileMicros(50), tolerance: 12.5);
    }

    [Fact]
    public void An_hour_long_latency_is_tracked_and_larger_values_are_counted_as_an_hour()
    {
        var histogram = new LatencyHistogram();
        var oneHour = (long)TimeSpan.FromHours(1).TotalMicroseconds;
        histogram.RecordMicros(oneHour);
        Assert.InRange(histogram.PercentileMicros(100), oneHour, oneHour * 1.001);

        histogram.RecordMicros(LatencyHistogram.MaxTrackableMicros * 3);
        Assert.Equal(2, histogram.Count);
        Assert.InRange(histogram.MaxMicros, LatencyHistogram.MaxTrackableMicros, LatencyHistogram.MaxTrackableMicros * 1.001);
    }

    [Fact]
    public void Merging_parts_gives_the_same_percentiles_as_recording_everything_in_one()
    {
        var values = SeededLatencies(40_000, seed: 7);
        var whole = new LatencyHistogram();
        var parts = Enumerable.Range(0, 4).Select(i => new LatencyHistogram(i % 2 == 0 ? LatencyHistogram.ReportDigits : LatencyHistogram.ChartDigits)).ToArray();
        var sameDigits = Enumerable.Range(0, 4).Select(_ => new LatencyHistogram()).ToArray();
        for (var i = 0; i < values.Length; i++)
        {
            whole.RecordMicros(values[i]);
            parts[i % parts.Length].RecordMicros(values[i]);
            sameDigits[i % sameDigits.Length].RecordMicros(values[i]);
        }

        var merged = LatencyHistogram.Merge(sameDigits);
        Assert.Equal(whole.Count, merged.Count);
        Assert.Equal(whole.MaxMicros, merged.MaxMicros);
        foreach (var p in Percentiles) Assert.Equal(whole.PercentileMicros(p), merged.PercentileMicros(p));

        // Parts of coarser precision merge too (their values at that coarser precision).
        var mixed = LatencyHistogram.Merge(parts);
        Assert.Equal(whole.Count, mixed.Count);
        foreach (var p in Percentiles)
            Assert.Equal(whole.PercentileMicros(p), mixed.PercentileMicros(p), tolerance: whole.PercentileMicros(p) / 128.0 + 1);
    }

    [Fact]
    public async Task Concurrent_recording_from_many_tasks_loses_no_values()
    {
        var values = SeededLatencies(50_000, seed: 3);
        var sequential = new LatencyHistogram();
        foreach (var v in values) sequential.RecordMicros(v);

        // As the generator does: many continuations, on whatever pool threads, into one histogram.
        var shared = new LatencyHistogram();
        var writers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < values.Length; i++)
            {
                shared.RecordMicros(values[i]);
                if (i % 5_000 == w) await Task.Yield();
            }
        }));
        await Task.WhenAll(writers);

        Assert.Equal(16 * values.Length, shared.Count);
        foreach (var p in Percentiles) Assert.Equal(sequential.PercentileMicros(p), shared.PercentileMicros(p));
    }

    [Fact]
    public void The_share_at_or_below_a_bound_counts_the_values_recorded_there()
    {
        var shed = new LatencyHistogram();
        for (var i = 0; i < 95; i++) shed.RecordMicros(2_000);
        for (var i = 0; i < 5; i++) shed.RecordMicros(50_000);

        Assert.Equal(0.95, shed.FractionAtOrBelow(10_000), precision: 6);
        Assert.Equal(1.0, shed.FractionAtOrBelow(50_000), precision: 6);
        Assert.Equal(0.0, shed.FractionAtOrBelow(1_000), precision: 6);
        Assert.Equal(0.0, new LatencyHistogram().FractionAtOrBelow(10_000));
    }

    [Fact]
    public void An_empty_histogram_reports_zero_everywhere()
    {
        var summary = new LatencyHistogram().Summarize();
        Assert.Equal(LatencySummary.Empty, summary);
    }

    [Fact]
    public void Negative_durations_count_as_zero()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(TimeSpan.FromMilliseconds(-3));
        Assert.Equal(0, histogram.MaxMicros);
        Assert.Equal(1, histogram.Count);
    }
}
