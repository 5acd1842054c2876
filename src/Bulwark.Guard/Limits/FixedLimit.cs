namespace Bulwark.Guard.Limits;

/// <summary>
/// A limit that never moves (clamped into the bounds only). The baseline the adaptive algorithms are
/// measured against, and the escape hatch when an operator wants a known number.
/// </summary>
public sealed class FixedLimit : ILimitAlgorithm
{
    private readonly int _requested;
    private int _current;

    /// <param name="limit">The limit to hold; clamped into <paramref name="bounds"/>.</param>
    /// <param name="bounds">Floor and ceiling.</param>
    public FixedLimit(int limit, LimitBounds bounds)
    {
        _requested = limit;
        _current = (int)bounds.Clamp(limit);
    }

    public string Name => LimitAlgorithms.Fixed;

    public int Current => _current;

    public int Update(LimitSample sample) => _current;

    public void SetBounds(LimitBounds bounds) => _current = (int)bounds.Clamp(_requested);
}
