using Bulwark.Lab.Measurement;

namespace Bulwark.Lab.Tests.Measurement;

public class LatencyHistogramTests
{
    static readonly double[] Percentiles = [50, 90, 99, 99.9, 100];

    /// <summary>Nearest-rank percentile on sorted data: the definition the histogram approximates.</summary>
    static long ExactPercentile(long[] sorted, double percentile)
    {
        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * sorted.Length));
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

    [Fact]
    public void Percentiles_are_within_one_percent_of_exact_nearest_rank_on_seeded_data()
    {
        var values = SeededLatencies(200_000, seed: 42);
        var histogram = new LatencyHistogram();
        foreach (var v in values) histogram.RecordMicros(v);
        var sorted = values.Order().ToArray();

        foreach (var p in Percentiles)
        {
            var exact = ExactPercentile(sorted, p);
            var reported = histogram.PercentileMicros(p);
            Assert.InRange(reported, exact, exact + (long)Math.Ceiling(exact * LatencyHistogram.RelativePrecision));
            Assert.True(Math.Abs(reported - exact) <= exact * 0.01, $"p{p}: reported {reported} µs, exact {exact} µs");
        }
        Assert.Equal(sorted[^1], histogram.MaxMicros);
        Assert.Equal(sorted[0], histogram.MinMicros);
        Assert.Equal(values.Length, histogram.Count);
        Assert.Equal(values.Average(), histogram.MeanMicros, precision: 6);
    }

    [Fact]
    public void Values_below_256_microseconds_are_counted_exactly()
    {
        var histogram = new LatencyHistogram();
        for (var v = 0; v < 256; v++) histogram.RecordMicros(v);

        Assert.Equal(127, histogram.PercentileMicros(50));
        Assert.Equal(230, histogram.PercentileMicros(90));
        Assert.Equal(253, histogram.PercentileMicros(99));   // rank ⌈0.99·256⌉ = 254th value
        Assert.Equal(255, histogram.PercentileMicros(100));
    }

    [Fact]
    public void Every_value_lands_in_a_bucket_whose_bounds_contain_it_and_buckets_are_ordered()
    {
        var previousIndex = -1;
        var previousValue = -1L;
        var values = new List<long>();
        for (var power = 0; power < 32; power++)
        {
            var v = 1L << power;
            values.AddRange([v - 1, v, v + 1, v + v / 3]);
        }
        values.Add(LatencyHistogram.MaxTrackableMicros);

        foreach (var v in values.Where(v => v >= 0 && v <= LatencyHistogram.MaxTrackableMicros).Distinct().Order())
        {
            var index = LatencyHistogram.BucketIndex(v);
            Assert.InRange(v, LatencyHistogram.LowestValueInBucket(index), LatencyHistogram.HighestValueInBucket(index));
            var width = LatencyHistogram.HighestValueInBucket(index) - LatencyHistogram.LowestValueInBucket(index) + 1;
            Assert.True(width <= Math.Max(1, v * LatencyHistogram.RelativePrecision), $"bucket of {v} µs is {width} µs wide");
            Assert.True(index >= previousIndex, $"{v} µs maps before {previousValue} µs");
            previousIndex = index;
            previousValue = v;
        }
    }

    [Fact]
    public void An_hour_long_latency_is_tracked_and_larger_values_are_clamped_and_counted()
    {
        var histogram = new LatencyHistogram();
        var oneHour = (long)TimeSpan.FromHours(1).TotalMicroseconds;
        histogram.RecordMicros(oneHour);
        Assert.Equal(oneHour, histogram.PercentileMicros(100));
        Assert.Equal(0, histogram.ClampedCount);

        histogram.RecordMicros(LatencyHistogram.MaxTrackableMicros * 3);
        Assert.Equal(1, histogram.ClampedCount);
        Assert.Equal(LatencyHistogram.MaxTrackableMicros, histogram.MaxMicros);
    }

    [Fact]
    public void Merging_parts_gives_the_same_percentiles_as_recording_everything_in_one()
    {
        var values = SeededLatencies(40_000, seed: 7);
        var whole = new LatencyHistogram();
        var parts = Enumerable.Range(0, 4).Select(_ => new LatencyHistogram()).ToArray();
        for (var i = 0; i < values.Length; i++)
        {
            whole.RecordMicros(values[i]);
            parts[i % parts.Length].RecordMicros(values[i]);
        }

        var merged = LatencyHistogram.Merge(parts);

        Assert.Equal(whole.Count, merged.Count);
        Assert.Equal(whole.MaxMicros, merged.MaxMicros);
        Assert.Equal(whole.MinMicros, merged.MinMicros);
        foreach (var p in Percentiles) Assert.Equal(whole.PercentileMicros(p), merged.PercentileMicros(p));
    }

    [Fact]
    public async Task Concurrent_recording_from_several_threads_loses_no_values()
    {
        var values = SeededLatencies(50_000, seed: 3);
        var sequential = new LatencyHistogram();
        foreach (var v in values) sequential.RecordMicros(v);

        var shared = new LatencyHistogram();
        var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            foreach (var v in values) shared.RecordMicros(v);
        }));
        await Task.WhenAll(writers);

        Assert.Equal(4 * values.Length, shared.Count);
        foreach (var p in Percentiles) Assert.Equal(sequential.PercentileMicros(p), shared.PercentileMicros(p));
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
