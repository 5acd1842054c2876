using System.Globalization;

namespace Bulwark.Lab.Bench;

/// <summary>
/// Which parts of the bench run and at which overload multiples. The single-shop bench runs everything; the
/// cluster bench (<c>lab bench --cluster</c>) runs a reduced sweep, because on this 2-core machine throughput does
/// not grow with instances: what it is for is correctness, the shared budget and the read offload under bench load,
/// and each mode already spends a minute or two bringing the cluster up.
/// </summary>
public sealed record BenchPlan(
    IReadOnlyList<double> Multipliers,
    IReadOnlyList<double> LongMultipliers,
    bool Ceiling,
    bool ClassCapacities,
    bool Costs,
    bool HotSku)
{
    /// <summary>pgbench's ceiling, checkout/browse/mix capacity, costs, 0.5×–10× (5× and 10× long), the hot SKU.</summary>
    public static BenchPlan Full { get; } = new([0.5, 1, 2, 5, 10], [5, 10], Ceiling: true, ClassCapacities: true, Costs: true, HotSku: true);

    /// <summary>
    /// The mix's capacity at SLO, then 1×, 2× and 5× of it (5× long, followed by the calm tail that times the
    /// recovery). No pgbench (it measures the database, not the topology), no per-class capacities, no cost runs (the
    /// CPU sampler sees one instance of several) and no hot SKU (the incidents' ledger checks cover orders on the cluster).
    /// </summary>
    public static BenchPlan Cluster { get; } = new([1, 2, 5], [5], Ceiling: false, ClassCapacities: false, Costs: false, HotSku: false);

    /// <summary>The plan with the capacity search skipped (<c>--mix-capacity</c>): the sweep runs at multiples of the given rate.</summary>
    public BenchPlan WithGivenCapacity() => this with { Ceiling = false, ClassCapacities = false, Costs = false };

    public bool IsLong(double multiplier) => LongMultipliers.Contains(multiplier);

    /// <summary>What one repeat of a mode runs, in words, for the report and <c>--help</c>.</summary>
    public string Describe(TimeSpan step, TimeSpan longStep, bool capacityGiven, bool hotSku, bool aggressive)
    {
        var parts = new List<string>();
        if (capacityGiven) parts.Add("no capacity search (the mix capacity was given with --mix-capacity)");
        else
        {
            if (Ceiling) parts.Add("pgbench's ceiling");
            parts.Add(ClassCapacities ? "capacity at SLO of checkout, browsing and the mix" : "capacity at SLO of the mix");
            if (Costs) parts.Add("the cost runs and the refusal flood");
        }
        var steps = string.Join(", ", Multipliers.Select(m => Invariant($"{m}×") + Invariant($" ({(IsLong(m) ? longStep : step).TotalSeconds:0} s)")));
        parts.Add($"overload steps {steps}, the last followed by a calm tail for the recovery");
        if (aggressive) parts.Add(Invariant($"the {Multipliers[^1]}× step again with clients retrying at once"));
        if (HotSku && hotSku) parts.Add("the hot-SKU sell-out");
        return string.Join("; ", parts);
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
