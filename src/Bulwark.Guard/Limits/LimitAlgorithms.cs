namespace Bulwark.Guard.Limits;

/// <summary>The algorithms by configuration name.</summary>
public static class LimitAlgorithms
{
    public const string Vegas = "vegas";
    public const string Gradient2 = "gradient2";
    public const string Aimd = "aimd";
    public const string Fixed = "fixed";

    public static IReadOnlyList<string> Names { get; } = [Vegas, Gradient2, Aimd, Fixed];

    public static bool IsKnown(string? name) =>
        name is not null && Names.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates the named algorithm starting at <paramref name="initialLimit"/> (the fixed one holds it).</summary>
    public static ILimitAlgorithm Create(string name, int initialLimit, LimitBounds bounds) =>
        name.ToLowerInvariant() switch
        {
            Vegas => new VegasLimit(initialLimit, bounds),
            Gradient2 => new Gradient2Limit(initialLimit, bounds),
            Aimd => new AimdLimit(initialLimit, bounds),
            Fixed => new FixedLimit(initialLimit, bounds),
            _ => throw new ArgumentException($"Unknown limit algorithm '{name}'; known: {string.Join(", ", Names)}.", nameof(name)),
        };
}
