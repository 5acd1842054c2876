namespace Bulwark.Guard.Limits;

/// <summary>
/// Additive increase, multiplicative decrease: one more lease per loaded window without trouble, a
/// tenth fewer after a window with drops or with latency above a threshold. Blind to the database's
/// knee until it hurts, but simple and robust when latency is too noisy to read.
/// </summary>
public sealed class AimdLimit : ILimitAlgorithm
{
    private readonly AimdOptions _options;
    private LimitBounds _bounds;
    private double _estimate;

    public AimdLimit(int initialLimit, LimitBounds bounds, AimdOptions? options = null)
    {
        _options = options ?? new AimdOptions();
        _bounds = bounds;
        _estimate = bounds.Clamp(initialLimit);
    }

    public string Name => LimitAlgorithms.Aimd;

    public int Current => (int)_estimate;

    public int Update(LimitSample sample)
    {
        if (sample.Count == 0)
        {
            return Current;
        }

        if (sample.Dropped > 0 || sample.AverageRtt > _options.LatencyThreshold)
        {
            _estimate = _bounds.Clamp(_estimate * _options.BackoffRatio);
        }
        else if (!sample.IsAppLimited(_estimate))
        {
            _estimate = _bounds.Clamp(_estimate + 1);
        }

        return Current;
    }

    public void SetBounds(LimitBounds bounds)
    {
        _bounds = bounds;
        _estimate = bounds.Clamp(_estimate);
    }
}

/// <summary>Tuning for <see cref="AimdLimit"/>.</summary>
public sealed record AimdOptions
{
    /// <summary>Multiplier after a bad window. Default 0.9.</summary>
    public double BackoffRatio { get; init; } = 0.9;

    /// <summary>A window whose mean lease time exceeds this counts as bad. Default 250 ms.</summary>
    public TimeSpan LatencyThreshold { get; init; } = TimeSpan.FromMilliseconds(250);
}
