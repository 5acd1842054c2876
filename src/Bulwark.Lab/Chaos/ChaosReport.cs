using Bulwark.Lab.Load;
using Bulwark.Lab.Reports;

namespace Bulwark.Lab.Chaos;

/// <summary>When the fault was applied and lifted, in seconds since the start of its load.</summary>
public sealed record FaultWindow(double StartSeconds, double EndSeconds);

/// <summary>What the load saw during one fault's run: answers by status, the slowest, the recovery.</summary>
/// <param name="Statuses">HTTP status (or "no answer", "timeout") → count, over every request of the run.</param>
/// <param name="Phases">The same by when the answer came: "before", "during" and "after" the fault.</param>
/// <param name="SlowestMs">The slowest single HTTP exchange (what the shop's deadline governs).</param>
/// <param name="OverDeadline">Exchanges slower than <paramref name="DeadlineMs"/>.</param>
/// <param name="P99BeforeMs">p99 from the intended send time, before the fault: the run's normal.</param>
public sealed record LoadSeen(
    long Requests,
    IReadOnlyDictionary<string, long> Statuses,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> Phases,
    IReadOnlyDictionary<string, long> CheckoutStatuses,
    double SlowestMs,
    string SlowestRequest,
    long OverDeadline,
    double DeadlineMs,
    double P99BeforeMs,
    RecoveryTimes Recovery)
{
    public const string NoAnswer = "no answer";
    public const string TimedOut = "timeout";

    public static LoadSeen From(IReadOnlyList<CompletedRequest> completions, IReadOnlyList<ReadyProbe> probes, FaultWindow window, ServiceLevel serviceLevel)
    {
        static IReadOnlyDictionary<string, long> Count(IEnumerable<CompletedRequest> of) =>
            of.GroupBy(StatusKey).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count());

        var slowest = completions.MaxBy(c => c.Took);
        var before = completions.Where(c => c.CompletedAt.TotalSeconds < window.StartSeconds).Select(c => c.Latency.TotalMilliseconds).Order().ToList();
        string Phase(CompletedRequest c) => c.CompletedAt.TotalSeconds < window.StartSeconds ? "before" : c.CompletedAt.TotalSeconds < window.EndSeconds ? "during" : "after";
        return new LoadSeen(
            completions.Count,
            Count(completions),
            new[] { "before", "during", "after" }.ToDictionary(p => p, p => Count(completions.Where(c => Phase(c) == p))),
            Count(completions.Where(c => c.Class == RequestClass.Checkout)),
            slowest?.Took.TotalMilliseconds ?? 0,
            slowest is null ? "" : $"{slowest.Class.Key()} {StatusKey(slowest)} at {slowest.CompletedAt.TotalSeconds:0.0} s",
            completions.Count(c => c.Took > serviceLevel.Deadline),
            serviceLevel.Deadline.TotalMilliseconds,
            before.Count == 0 ? 0 : before[Math.Max(0, (int)Math.Ceiling(before.Count * 0.99) - 1)],
            RecoveryTimes.From(completions, probes, window, serviceLevel));
    }

    static string StatusKey(CompletedRequest c) => c.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture)
        ?? (c.Outcome == Outcome.Timeout ? TimedOut : NoAnswer);
}

/// <summary>One fault of a chaos run: what was done, what the load saw, and the ledger check after it.</summary>
/// <param name="SettledSeconds">How long after the load the last pending_payment order was settled.</param>
/// <param name="MachineLoad">The machine's load when the fault's run started (other people build here).</param>
public sealed record FaultReport(
    string Fault,
    string Title,
    string Description,
    double LoadSeconds,
    FaultWindow? Window,
    LoadSeen? Load,
    LedgerVerdict? Ledger,
    double SettledSeconds,
    string MachineLoad,
    IReadOnlyList<string> Notes,
    string? Failure)
{
    public bool Passed => Failure is null && Ledger is { Passed: true };
}

public sealed record ChaosSettings(double BeforeSeconds, double AfterSeconds, double StorefrontRps, double CheckoutRps, double SloMs, double CheckoutSloMs,
    double DeadlineMs, IReadOnlyDictionary<string, string> ShopSettings);

/// <summary><c>lab-results/chaos/summary.json</c>.</summary>
public sealed record ChaosReport(MachineInfo Machine, DateTimeOffset StartedAt, double MinutesTaken, ChaosSettings Settings, IReadOnlyList<FaultReport> Faults, IReadOnlyList<string> Notes)
{
    public const string Folder = "chaos";
}
