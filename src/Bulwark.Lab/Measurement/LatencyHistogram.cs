namespace Bulwark.Lab.Measurement;

/// <summary>
/// Log-linear latency histogram in microseconds. Values below 256 µs are counted exactly; above
/// that each power of two is split into 128 equal sub-buckets, so a reported value is never more
/// than 1/128 (≈0.8%) above the true one. Up to 2^32 µs (≈71 minutes) is tracked; larger values
/// are clamped and counted in <see cref="ClampedCount"/>.
/// </summary>
/// <remarks>
/// Recording is lock-free (one interlocked increment per value plus a rarely contended max/min
/// update), so the many completions of a load run can record concurrently into one histogram.
/// </remarks>
public sealed class LatencyHistogram
{
    const int ExactBits = 8;                      // 0..255 µs stored one value per bucket
    const int ExactBuckets = 1 << ExactBits;       // 256
    const int SubBucketBits = ExactBits - 1;       // 128 linear sub-buckets per power of two
    const int SubBuckets = 1 << SubBucketBits;
    const int HighestPower = 31;                   // last tracked magnitude: [2^31, 2^32)

    public const long MaxTrackableMicros = (1L << (HighestPower + 1)) - 1;

    /// <summary>Upper bound of the relative error of any percentile this histogram reports.</summary>
    public const double RelativePrecision = 1.0 / SubBuckets;

    static readonly int BucketCount = ExactBuckets + (HighestPower - ExactBits + 1) * SubBuckets;

    readonly long[] _counts = new long[BucketCount];
    long _total;
    long _sum;
    long _max;
    long _min = long.MaxValue;
    long _clamped;

    public long Count => Volatile.Read(ref _total);

    public long ClampedCount => Volatile.Read(ref _clamped);

    /// <summary>Exact largest recorded value (after clamping), 0 when empty.</summary>
    public long MaxMicros => Volatile.Read(ref _max);

    /// <summary>Exact smallest recorded value, 0 when empty.</summary>
    public long MinMicros => Count == 0 ? 0 : Volatile.Read(ref _min);

    public double MeanMicros => Count == 0 ? 0 : (double)Volatile.Read(ref _sum) / Count;

    public void Record(TimeSpan latency) => RecordMicros(latency.Ticks / TimeSpan.TicksPerMicrosecond);

    public void RecordMicros(long micros)
    {
        if (micros < 0) micros = 0;
        if (micros > MaxTrackableMicros)
        {
            micros = MaxTrackableMicros;
            Interlocked.Increment(ref _clamped);
        }

        Interlocked.Increment(ref _counts[BucketIndex(micros)]);
        Interlocked.Increment(ref _total);
        Interlocked.Add(ref _sum, micros);
        RaiseMax(micros);
        LowerMin(micros);
    }

    /// <summary>Adds every value recorded in <paramref name="other"/> to this histogram.</summary>
    public void Add(LatencyHistogram other)
    {
        long added = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            var c = Volatile.Read(ref other._counts[i]);
            if (c == 0) continue;
            Interlocked.Add(ref _counts[i], c);
            added += c;
        }
        if (added == 0) return;
        Interlocked.Add(ref _total, added);
        Interlocked.Add(ref _sum, Volatile.Read(ref other._sum));
        Interlocked.Add(ref _clamped, Volatile.Read(ref other._clamped));
        RaiseMax(Volatile.Read(ref other._max));
        LowerMin(Volatile.Read(ref other._min));
    }

    public static LatencyHistogram Merge(IEnumerable<LatencyHistogram> parts)
    {
        var merged = new LatencyHistogram();
        foreach (var part in parts) merged.Add(part);
        return merged;
    }

    /// <summary>
    /// Nearest-rank percentile: the smallest recorded value such that at least
    /// <paramref name="percentile"/>% of values are ≤ it, reported as the top of its bucket (so
    /// never under the true value) and never above the exact maximum. 0 when empty.
    /// </summary>
    public long PercentileMicros(double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percentile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);

        var total = Count;
        if (total == 0) return 0;
        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * total));

        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank) return Math.Min(HighestValueInBucket(i), MaxMicros);
        }
        return MaxMicros; // counts moved while we read them; max is the honest answer
    }

    public double PercentileMs(double percentile) => PercentileMicros(percentile) / 1000.0;

    public LatencySummary Summarize() => new(
        Count,
        PercentileMs(50),
        PercentileMs(90),
        PercentileMs(99),
        PercentileMs(99.9),
        MaxMicros / 1000.0,
        MeanMicros / 1000.0);

    internal static int BucketIndex(long micros)
    {
        if (micros < ExactBuckets) return (int)micros;
        var power = 63 - (int)long.LeadingZeroCount(micros);     // micros in [2^power, 2^(power+1))
        var shift = power - SubBucketBits;
        var sub = (int)(micros >> shift) - SubBuckets;            // 0..127
        return ExactBuckets + (power - ExactBits) * SubBuckets + sub;
    }

    internal static long LowestValueInBucket(int index)
    {
        if (index < ExactBuckets) return index;
        var offset = index - ExactBuckets;
        var power = ExactBits + offset / SubBuckets;
        var sub = SubBuckets + offset % SubBuckets;
        return (long)sub << (power - SubBucketBits);
    }

    internal static long HighestValueInBucket(int index)
    {
        if (index < ExactBuckets) return index;
        var power = ExactBits + (index - ExactBuckets) / SubBuckets;
        return LowestValueInBucket(index) + (1L << (power - SubBucketBits)) - 1;
    }

    void RaiseMax(long value)
    {
        var current = Volatile.Read(ref _max);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, current);
            if (seen == current) return;
            current = seen;
        }
    }

    void LowerMin(long value)
    {
        var current = Volatile.Read(ref _min);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref _min, value, current);
            if (seen == current) return;
            current = seen;
        }
    }
}

/// <summary>Percentiles of one histogram, in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs, double MeanMs)
{
    public static LatencySummary Empty { get; } = new(0, 0, 0, 0, 0, 0, 0);
}
