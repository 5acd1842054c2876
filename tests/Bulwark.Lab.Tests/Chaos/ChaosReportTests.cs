using Bulwark.Lab.Chaos;
using Bulwark.Lab.Load;
using Bulwark.Lab.Reports;

namespace Bulwark.Lab.Tests.Chaos;

public class ChaosReportTests
{
    static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    static CompletedRequest Answer(RequestClass c, int? status, double at, double took, Outcome outcome = Outcome.Success) => new(c, outcome, status, S(at), S(took), S(took));

    /// <summary>A database crash from 10 s to 15 s: 503s while it is down, one purchase never answered (the lab gave up), then paid again.</summary>
    static readonly List<CompletedRequest> Answers =
    [
        Answer(RequestClass.Browse, 200, 1, 0.02),
        Answer(RequestClass.Checkout, 201, 2, 0.1),
        Answer(RequestClass.Browse, 200, 9.5, 0.3),
        Answer(RequestClass.Checkout, 503, 11, 0.05, Outcome.Shed),
        Answer(RequestClass.Cart, 503, 12, 2.6, Outcome.Shed),
        Answer(RequestClass.Checkout, null, 13, 20, Outcome.Timeout),
        Answer(RequestClass.Product, null, 14, 0.001, Outcome.Error),
        Answer(RequestClass.Checkout, 201, 16.5, 0.2),
        Answer(RequestClass.Browse, 200, 17, 0.02),
    ];

    static readonly FaultWindow Window = new(10, 15);

    [Fact]
    public void The_load_seen_counts_answers_by_status_finds_the_slowest_exchange_and_those_over_the_deadline()
    {
        var seen = LoadSeen.From(Answers, [new ReadyProbe(S(15.5), true)], Window, new ServiceLevel(TimeSpan.FromMilliseconds(200), S(2)));

        Assert.Equal(9, seen.Requests);
        Assert.Equal(new Dictionary<string, long> { ["200"] = 3, ["201"] = 2, ["503"] = 2, [LoadSeen.NoAnswer] = 1, [LoadSeen.TimedOut] = 1 }, seen.Statuses);
        Assert.Equal(new Dictionary<string, long> { ["201"] = 2, ["503"] = 1, [LoadSeen.TimedOut] = 1 }, seen.CheckoutStatuses);
        Assert.Equal(new Dictionary<string, long> { ["200"] = 2, ["201"] = 1 }, seen.Phases["before"]);
        Assert.Equal(new Dictionary<string, long> { ["503"] = 2, [LoadSeen.NoAnswer] = 1, [LoadSeen.TimedOut] = 1 }, seen.Phases["during"]);
        Assert.Equal(new Dictionary<string, long> { ["200"] = 1, ["201"] = 1 }, seen.Phases["after"]);
        Assert.Equal(20_000, seen.SlowestMs);
        Assert.Equal("checkout timeout at 13.0 s", seen.SlowestRequest);
        Assert.Equal(2, seen.OverDeadline);   // the 2.6 s cart refusal and the timeout
        Assert.Equal(300, seen.P99BeforeMs);  // the slowest of the three answers before 10 s
        Assert.Equal(0.5, seen.Recovery.ReadySeconds);
        Assert.Equal(1.5, seen.Recovery.PurchaseSeconds);
    }

    [Fact]
    public void The_report_has_one_row_per_fault_with_its_answers_recovery_and_ledger_verdict()
    {
        var seen = LoadSeen.From(Answers, [new ReadyProbe(S(15.5), true)], Window, new ServiceLevel(TimeSpan.FromMilliseconds(200), S(2)));
        var failed = new LedgerVerdict(10, 7, 2, 8, 0, 0, 1, 0, 0, 0, ["1 succeeded charges without a paid order (e.g. order-9)"]);
        var passed = failed with { ChargesWithoutPaidOrder = 0, SucceededCharges = 7, Problems = [] };
        var report = new ChaosReport(new MachineInfo("Linux", 2, ".NET 10", "1.0"), DateTimeOffset.Parse("2026-12-02T02:00:00Z", System.Globalization.CultureInfo.InvariantCulture), 3.5,
            new ChaosSettings(10, 20, 40, 8, 200, 1000, 2000, new Dictionary<string, string> { ["Payments:ReconcileAfter"] = "00:00:02" }),
            [
                new FaultReport("db-crash", "PostgreSQL crash and restart", "`pg_ctl stop -m immediate`", 35, Window, seen, passed, 1.2, "load 3.10", [], null),
                new FaultReport("gateway-outage", "Payment gateway outage", "charges hang", 45, Window, seen, failed, 4.0, "load 2.00", ["a note"], null),
                new FaultReport("db-hang", "PostgreSQL hangs", "SIGSTOP", 40, null, null, null, 0, "load 1.00", [], "the shop exited"),
            ],
            ["CPU isolation: shop on CPU 0."]);

        var markdown = ChaosMarkdown.Render(report);

        Assert.Contains("| db-crash | load 3.10 | before: 200: 2, 201: 1<br>during: 503: 2, no answer: 1, timeout: 1<br>after: 200: 1, 201: 1 | 20000 ms (checkout timeout at 13.0 s) | 2 | 300 ms | 33.3% | 0.5 s | 1.5 s |", markdown);
        Assert.Contains("| pass |", markdown);
        Assert.Contains("| **FAIL** |", markdown);
        Assert.Contains("| db-hang | load 1.00 | – | – | – | – | – | – | – | – | – | **not run:** the shop exited |", markdown);
        Assert.Contains("| gateway-outage | 4.0 s | 10 | 7 | 2 | 8 | 0 | 0 | 1 | 0 | 0 | 0 |", markdown);
        Assert.Contains("- gateway-outage: 1 succeeded charges without a paid order (e.g. order-9)", markdown);
        Assert.Contains("- gateway-outage: a note", markdown);
        Assert.Contains("`Payments:ReconcileAfter=00:00:02`", markdown);
        Assert.Contains("CPU isolation: shop on CPU 0.", markdown);
        Assert.False(report.Faults[1].Passed);
        Assert.True(report.Faults[0].Passed);
    }
}
