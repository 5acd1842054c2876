namespace Bulwark.Guard.Limits;

/// <summary>
/// TCP-Vegas-style limit: estimates how many of the leases in flight are queueing inside the database
/// rather than working, <c>queue = limit × (1 − baselineRtt / rtt)</c>, and keeps it between
/// <c>alpha</c> and <c>beta</c>. The default algorithm: it settled closest to the throughput optimum in
/// the simulation (Gradient2 and AIMD drifted to the ceiling there).
/// </summary>
/// <remarks>
/// <para>Alpha and beta are shares of the limit rather than TCP Vegas's fixed packet counts (or Netflix's
/// <c>3·log10 limit</c>): a database's throughput peaks about where its latency has doubled over the
/// no-load value (the knee of the Universal Scalability Law curve, where the contention and coherency
/// cost of one more connection cancels its gain) whatever its size, and a share keeps the algorithm on
/// that knee for a 2-core server and a 64-core one alike. The defaults aim at latency 1.5× to 2.2× the
/// baseline, slightly under the knee, since the baseline is measured at a concurrency of one or two.</para>
/// <para>Latency is compared per class of work (see <see cref="LimitSample.Classes"/>), each class with
/// its own baseline: the count-weighted, slowly forgetting average of its latency in windows that ran at
/// low concurrency (an eighth of the limit or less). A saturated database never shows its no-load
/// latency again, and a baseline that ages upward makes the limit creep to the ceiling, so after
/// <see cref="VegasOptions.ProbeInterval"/> of uninterrupted saturation, and before the first decision
/// if it has never seen low concurrency, the algorithm probes like BBR's ProbeRTT: it lowers the limit
/// to an eighth for a couple of windows and folds the latency measured there into the baseline (which
/// may go up: the database may really have become slower). A window that ran at low concurrency on its
/// own counts as a probe.</para>
/// </remarks>
public sealed class VegasLimit : ILimitAlgorithm
{
    private readonly VegasOptions _options;
    private readonly Dictionary<int, Baseline> _baselines = [];
    private LimitBounds _bounds;
    private double _estimate;
    private TimeSpan? _lastProbeAt;
    private int _probeWindowsLeft;

    public VegasLimit(int initialLimit, LimitBounds bounds, VegasOptions? options = null)
    {
        _options = options ?? new VegasOptions();
        _bounds = bounds;
        _estimate = bounds.Clamp(initialLimit);
    }

    public string Name => LimitAlgorithms.Vegas;

    /// <summary>The limit in force: the estimate, or the reduced probe limit while probing.</summary>
    public int Current => _probeWindowsLeft > 0 ? ProbeLimit : (int)_estimate;

    /// <summary>The no-load latency currently assumed for a class of work (zero until measured).</summary>
    public TimeSpan BaselineOf(int workClass = 0) =>
        _baselines.TryGetValue(workClass, out var baseline) ? TimeSpan.FromSeconds(baseline.Seconds) : TimeSpan.Zero;

    /// <summary>True while the algorithm holds the limit low to re-measure the baseline.</summary>
    public bool IsProbing => _probeWindowsLeft > 0;

    /// <summary>Concurrency low enough that latency there counts as no-load latency.</summary>
    private int ProbeLimit => Math.Max(_bounds.Floor, (int)Math.Ceiling(_estimate / 8));

    public int Update(LimitSample sample)
    {
        if (sample.Count == 0)
        {
            return Current;
        }

        var classes = sample.Classes.Count > 0 ? sample.Classes : [new ClassLatency(0, sample.AverageRtt, sample.Count)];
        var lowConcurrency = sample.MaxInFlight <= ProbeLimit;
        if (_probeWindowsLeft > 0)
        {
            // The first probe window drains the leases started before it; only a window that really
            // ran at the probe limit measures the baseline.
            _probeWindowsLeft--;
            if (lowConcurrency)
            {
                LearnBaselines(classes);
                _lastProbeAt = sample.At;
            }

            return Current;
        }

        var inflation = Inflation(classes);
        if (lowConcurrency)
        {
            // Low concurrency happened by itself: this window is as good as a probe.
            LearnBaselines(classes);
            _lastProbeAt = sample.At;
        }

        if (sample.Dropped > 0)
        {
            _estimate = _bounds.Clamp(_estimate * _options.BackoffRatio);
            return Current;
        }

        if (sample.IsAppLimited(_estimate))
        {
            return Current;
        }

        if (inflation is not { } measured || _lastProbeAt is not { } probedAt || sample.At - probedAt >= _options.ProbeInterval)
        {
            _probeWindowsLeft = _options.ProbeWindows;
            return Current;
        }

        var queue = _estimate * (1 - 1 / measured);
        var step = Math.Max(1, Math.Log10(_estimate));
        var alpha = _options.Alpha * _estimate;
        var beta = _options.Beta * _estimate;

        if (queue <= step)
        {
            // Far below the knee: grow quickly (Vegas's slow start).
            _estimate += beta;
        }
        else if (queue < alpha)
        {
            _estimate += step;
        }
        else if (measured > 2 / (1 - _options.Beta))
        {
            // Latency more than twice the band's top (a cold start at the ceiling, a database that just
            // got slower): cut hard instead of a step per window.
            _estimate *= _options.BackoffRatio * _options.BackoffRatio;
        }
        else if (queue > beta)
        {
            _estimate -= step;
        }

        _estimate = _bounds.Clamp(_estimate);
        return Current;
    }

    /// <summary>
    /// How many times slower than its own baseline the work ran, averaged over the classes by count;
    /// null before any class has a baseline. Each class keeps its own baseline so a shift towards cheap
    /// work does not read as a fast database.
    /// </summary>
    private double? Inflation(IReadOnlyList<ClassLatency> classes)
    {
        double weighted = 0;
        var count = 0;
        foreach (var (workClass, averageRtt, classCount) in classes)
        {
            if (_baselines.TryGetValue(workClass, out var baseline) && baseline.Seconds > 0)
            {
                weighted += classCount * averageRtt.TotalSeconds / baseline.Seconds;
                count += classCount;
            }
        }

        return count == 0 ? null : Math.Max(1, weighted / count);
    }

    /// <summary>
    /// Folds a low-concurrency window into each class's baseline: an average weighted by sample count
    /// that forgets old windows geometrically. Not a minimum: the minimum of many small-sample averages
    /// sits well below the true mean, which would read as inflated latency on an idle database.
    /// </summary>
    private void LearnBaselines(IReadOnlyList<ClassLatency> classes)
    {
        foreach (var (workClass, averageRtt, count) in classes)
        {
            var baseline = _baselines.GetValueOrDefault(workClass);
            _baselines[workClass] = baseline.Add(averageRtt.TotalSeconds, count, _options.BaselineMemory);
        }
    }

    private readonly record struct Baseline(double WeightedSum, double Weight)
    {
        public double Seconds => Weight > 0 ? WeightedSum / Weight : 0;

        public Baseline Add(double seconds, int count, double memory) =>
            new(WeightedSum * memory + seconds * count, Weight * memory + count);
    }

    public void SetBounds(LimitBounds bounds)
    {
        _bounds = bounds;
        _estimate = bounds.Clamp(_estimate);
    }
}

/// <summary>Tuning for <see cref="VegasLimit"/>; every default is what the simulation was measured with.</summary>
public sealed record VegasOptions
{
    /// <summary>Grow while fewer than this share of the limit is estimated to queue (latency under 1.5× baseline). Default 1/3.</summary>
    public double Alpha { get; init; } = 1.0 / 3;

    /// <summary>Shrink while more than this share of the limit is estimated to queue (latency over 2.2× baseline). Default 0.55.</summary>
    public double Beta { get; init; } = 0.55;

    /// <summary>Multiplier applied on a window with drops (timeouts, overload errors). Default 0.9.</summary>
    public double BackoffRatio { get; init; } = 0.9;

    /// <summary>Longest run of saturated windows before the baseline is re-measured. Default 30 s.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How much of the baseline each new low-concurrency window keeps (0..1). Default 0.9.</summary>
    public double BaselineMemory { get; init; } = 0.9;

    /// <summary>Windows spent at the probe limit: one to drain, one to measure. Default 2.</summary>
    public int ProbeWindows { get; init; } = 2;
}
