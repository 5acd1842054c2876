using Bulwark.Lab.Arrivals;

namespace Bulwark.Lab.Load;

/// <summary>Which products a stream's carts and purchases go for.</summary>
public enum ProductChoice
{
    /// <summary>The sampled catalog, popular items more often (a long-tailed storefront).</summary>
    Catalog,

    /// <summary>Only the few hot products of a flash sale.</summary>
    Hot,
}

/// <summary>
/// One independent source of traffic: its own rate over time and its own mix. A scenario overlays
/// streams, e.g. steady browsing under a checkout surge.
/// </summary>
public sealed record TrafficStream(string Name, TrafficMix Mix, IReadOnlyList<ArrivalPhase> Phases, ProductChoice Products = ProductChoice.Catalog)
{
    public TimeSpan Duration => Phases.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Duration);

    public TrafficStream Scaled(double timeFactor, double rateFactor) =>
        this with { Phases = [.. Phases.Select(p => p.Scaled(timeFactor, rateFactor))] };
}
