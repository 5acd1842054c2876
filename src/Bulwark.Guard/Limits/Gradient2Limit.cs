namespace Bulwark.Guard.Limits;

/// <summary>
/// Gradient2-style limit (after Netflix concurrency-limits): compares the latest window's latency
/// (short RTT) with a slow moving average (long RTT). While latency holds steady the limit grows by a
/// queue allowance each window; when the short RTT exceeds the long one by more than the tolerance the
/// limit shrinks in proportion: <c>new = limit × clamp(tolerance × long / short, 0.5, 1) + queue</c>,
/// smoothed. It reacts to change rather than to a level, which suits services whose latency rises only
/// through queueing; a database whose latency rises steadily with concurrency lets it drift higher than
/// Vegas (measured in the simulation), so it is offered, not the default.
/// </summary>
public sealed class Gradient2Limit : ILimitAlgorithm
{
    private readonly Gradient2Options _options;
    private LimitBounds _bounds;
    private double _estimate;
    private double _longRttSeconds;

    public Gradient2Limit(int initialLimit, LimitBounds bounds, Gradient2Options? options = null)
    {
        _options = options ?? new Gradient2Options();
        _bounds = bounds;
        _estimate = bounds.Clamp(initialLimit);
    }

    public string Name => LimitAlgorithms.Gradient2;

    public int Current => (int)_estimate;

    public int Update(LimitSample sample)
    {
        if (sample.Count == 0)
        {
            return Current;
        }

        var shortRtt = sample.AverageRtt.TotalSeconds;
        if (_longRttSeconds <= 0)
        {
            _longRttSeconds = shortRtt;
        }

        var weight = 2.0 / (_options.LongWindow + 1);
        _longRttSeconds = _longRttSeconds * (1 - weight) + shortRtt * weight;

        // Latency fell far below the average (load went away): forget the old average faster.
        if (_longRttSeconds / shortRtt > 2)
        {
            _longRttSeconds *= 0.95;
        }

        var gradient = sample.Dropped > 0
            ? 0.5
            : Math.Clamp(_options.Tolerance * _longRttSeconds / shortRtt, 0.5, 1.0);

        var queueAllowance = Math.Sqrt(_estimate);
        var proposed = _estimate * gradient + queueAllowance;
        if (sample.IsAppLimited(_estimate) && proposed > _estimate)
        {
            // Without load there is no evidence that more concurrency would help.
            return Current;
        }

        _estimate = _bounds.Clamp(_estimate * (1 - _options.Smoothing) + proposed * _options.Smoothing);
        return Current;
    }

    public void SetBounds(LimitBounds bounds)
    {
        _bounds = bounds;
        _estimate = bounds.Clamp(_estimate);
    }
}

/// <summary>Tuning for <see cref="Gradient2Limit"/>.</summary>
public sealed record Gradient2Options
{
    /// <summary>How much the short RTT may exceed the long one before the limit shrinks. Default 1.5.</summary>
    public double Tolerance { get; init; } = 1.5;

    /// <summary>Windows in the long RTT's exponential average. Default 100 (about 10 s of 100 ms windows).</summary>
    public int LongWindow { get; init; } = 100;

    /// <summary>Weight of each new proposal in the limit (0..1]. Default 0.2.</summary>
    public double Smoothing { get; init; } = 0.2;
}
