using Bulwark.Lab.Reports;

namespace Bulwark.Lab.Bench;

/// <summary>A measured quantity over the repeats: the median with the range, and every run's value.</summary>
public sealed record Spread(double Median, double Min, double Max, IReadOnlyList<double> Runs)
{
    public static Spread Of(IReadOnlyList<double> runs)
    {
        var finite = runs.Where(double.IsFinite).ToList();
        if (finite.Count == 0) return new Spread(double.NaN, double.NaN, double.NaN, runs);
        var sorted = finite.Order().ToList();
        var middle = sorted.Count / 2;
        var median = sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Spread(median, sorted[0], sorted[^1], runs);
    }

    public static Spread Of<T>(IReadOnlyList<T> runs, Func<T, double> value) => Of([.. runs.Select(value)]);

    public bool IsKnown => double.IsFinite(Median);
}

/// <summary>pgbench running the shop's SQL: the best of its client counts, per script.</summary>
public sealed record PgbenchCeiling(Spread BrowseQps, Spread CheckoutTps, Spread HotRowTps, IReadOnlyList<int> Clients);

/// <summary>Capacity at SLO per traffic, and the ratios to pgbench taken within each repeat.</summary>
public sealed record Capacities(Spread CheckoutRps, Spread BrowseRps, Spread MixRps, Spread CheckoutOverPgbench, Spread BrowseOverPgbench);

/// <summary>One overload step of the mix, as a multiple of that repeat's own mix capacity.</summary>
public sealed record OverloadStep(
    double Multiplier,
    double Seconds,
    Spread OfferedRps,
    Spread GoodputRps,
    Spread GoodputShareOfCapacity,
    Spread CheckoutGoodputRps,
    Spread P99AdmittedMs,
    Spread P99ShedMs,
    Spread ShedWithin10msShare,
    Spread Shed,
    Spread Limited,
    Spread Other5xx,
    Spread Timeouts,
    Spread SlowerThanDeadline,
    Spread Dropped)
{
    /// <summary>Share of the SUT's CPUs the step used, over every repeat (valid or not: it explains an invalid one too).</summary>
    public Spread? SutCpuShare { get; init; }

    /// <summary>Share of the load side's CPUs the generator used.</summary>
    public Spread? LoadCpuShare { get; init; }

    /// <summary>p99 of the generator's send lag (actual − intended send time).</summary>
    public Spread? GeneratorLagP99Ms { get; init; }

    /// <summary>Why each repeat left out of the medians above was invalid.</summary>
    public IReadOnlyList<string>? Invalid { get; init; }

    /// <summary>Seconds the guard's adaptive limit took to settle after the step began (long steps only; null when not measured).</summary>
    public Spread? LimitConvergenceSeconds { get; init; }

    /// <summary>On the cluster (<c>bench --cluster</c>): what each repeat of the step did to the instances, the standby and the budget; null for one shop.</summary>
    public IReadOnlyList<ClusterStep>? Cluster { get; init; }

    /// <summary>Where the system under test's CPU went in the step, from the server's side; null when not accounted.</summary>
    public CpuAccountSpread? Cpu { get; init; }
}

/// <summary>The hot-SKU sell-outs of one mode.</summary>
public sealed record HotSkuSummary(
    Spread Orders,
    Spread Oversold,
    Spread SellOutSeconds,
    Spread AllAnsweredSeconds,
    Spread HotRowTps,
    Spread OrdersPerSecond,
    Spread Shed,
    bool AllBalanced,
    IReadOnlyList<HotSkuRun> Runs);

public sealed record HotSkuRun(long ProductId, long Orders, long Paid, long Oversold, bool Balanced, double SellOutSeconds, double AllAnsweredSeconds,
    long Shed, long Limited, long Errors, long Timeouts, double CheckoutP99Ms);

public sealed record BenchMode(
    string Mode,
    PgbenchCeiling? Ceiling,
    Capacities Capacity,
    IReadOnlyList<OverloadStep> Overload,
    Spread RecoverySeconds,
    HotSkuSummary? HotSku,
    IReadOnlyList<double> LoadAtStart,
    IReadOnlyList<string> Notes,
    string? Failure)
{
    /// <summary>CPU per purchase, browse and refusal, and the refusal flood's calibration.</summary>
    public CostPerRequest? Costs { get; init; }

    /// <summary>The 10× step again with clients that retry every refusal at once (bench --aggressive); null when not run.</summary>
    public OverloadStep? AggressiveOverload { get; init; }

    /// <summary>Every measured run, in order, with its CPU use and validity.</summary>
    public IReadOnlyList<BenchRun>? Runs { get; init; }

    /// <summary>How the mode's cluster was deployed (<c>bench --cluster</c>); null for one shop.</summary>
    public BenchClusterSetup? Cluster { get; init; }
}

public sealed record BenchSettings(double StepSeconds, double LongStepSeconds, double TailSeconds, IReadOnlyList<double> Multipliers, IReadOnlyList<double> LongMultipliers, string Mix, int ServerMaxConnections);

/// <summary><c>lab-results/bench/summary.json</c>.</summary>
public sealed record BenchReport(
    MachineInfo Machine,
    DateTimeOffset StartedAt,
    double MinutesTaken,
    int Repeats,
    BenchSettings Settings,
    string CapacityRule,
    IReadOnlyDictionary<string, BenchMode> Modes,
    IReadOnlyList<string> Notes)
{
    /// <summary>The CPU split of the run; null when everything shared every CPU.</summary>
    public BenchIsolation? Isolation { get; init; }

    /// <summary>What one repeat of each mode ran, in words (<see cref="BenchPlan.Describe"/>); null in results written before it was kept.</summary>
    public string? Ran { get; init; }
}
