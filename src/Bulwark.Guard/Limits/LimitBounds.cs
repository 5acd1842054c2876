namespace Bulwark.Guard.Limits;

/// <summary>The range an adaptive limit may move in: never below the floor, never above the ceiling.</summary>
public readonly record struct LimitBounds
{
    public LimitBounds(int floor, int ceiling)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(floor, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ceiling, floor);
        Floor = floor;
        Ceiling = ceiling;
    }

    public int Floor { get; }

    public int Ceiling { get; }

    public double Clamp(double limit) => Math.Clamp(limit, Floor, Ceiling);
}
