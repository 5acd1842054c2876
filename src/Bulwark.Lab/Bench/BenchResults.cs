using Bulwark.Lab.Reports;

namespace Bulwark.Lab.Bench;

/// <summary>A measured quantity over the repeats: the median with the range, and every run's value.</summary>
public sealed record Spread(double Median, double Min, double Max, IReadOnlyList<double> Runs)
{
    public static Spread Of(IReadOnlyList<double> runs)
    {
        if (runs.Count == 0) return new Spread(double.NaN, double.NaN, double.NaN, []);
        var sorted = runs.Order().ToList();
        var middle = sorted.Count / 2;
        var median = sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Spread(median, sorted[0], sorted[^1], runs);
    }
}

/// <summary>One overload step: offered load as a multiple of the run's own measured checkout capacity.</summary>
public sealed record OverloadStep(
    double Multiplier,
    Spread OfferedRps,
    Spread GoodputRps,
    Spread GoodputShareOfCapacity,
    Spread ShedAnsweredWithin10msShare,
    Spread SlowerThanDeadline,
    Spread P99Ms);

public sealed record BenchMode(
    string Mode,
    Spread CheckoutCapacityRps,
    Spread BrowseCapacityRps,
    IReadOnlyList<OverloadStep> Overload,
    Spread RecoverySeconds,
    string? Failure);

/// <summary><c>lab-results/bench/summary.json</c>.</summary>
public sealed record BenchReport(
    MachineInfo Machine,
    DateTimeOffset StartedAt,
    int Repeats,
    string CapacityRule,
    IReadOnlyDictionary<string, BenchMode> Modes,
    IReadOnlyList<string> NotMeasured);
