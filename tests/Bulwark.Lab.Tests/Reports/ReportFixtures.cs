using Bulwark.Lab.Load;
using Bulwark.Lab.Metrics;
using Bulwark.Lab.Reports;
using Bulwark.Lab.Shop;

namespace Bulwark.Lab.Tests.Reports;

/// <summary>Deterministic runs recorded by hand: the report code sees exactly what a real run would hand it.</summary>
static class ReportFixtures
{
    static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);
    static TimeSpan S(double s) => TimeSpan.FromSeconds(s);

    public static readonly TimeSpan Duration = S(10);

    /// <summary>Naive: everything slow, 7 errors, 3 timeouts, pool pinned at its maximum, 12 paid orders.</summary>
    public static ModeRun Naive()
    {
        var recorder = new RunRecorder(ServiceLevel.Default, Duration + S(5));
        for (var i = 0; i < 100; i++)
        {
            var at = S(i / 10.0);
            recorder.Offered(RequestClass.Browse, at);
            recorder.Completed(RequestClass.Browse, Outcome.Success, at + Ms(900), Ms(900));   // 2xx, but outside the 200 ms SLO
        }
        for (var i = 0; i < 20; i++)
        {
            var at = S(i / 2.0);
            recorder.Offered(RequestClass.Checkout, at);
            recorder.Completed(RequestClass.Checkout, Outcome.Success, at + Ms(150), Ms(150));
        }
        for (var i = 0; i < 7; i++)
        {
            recorder.Offered(RequestClass.Checkout, S(i));
            recorder.Completed(RequestClass.Checkout, Outcome.Error, S(i) + Ms(2500), Ms(2500));
        }
        for (var i = 0; i < 3; i++)
        {
            recorder.Offered(RequestClass.SignIn, S(i));
            recorder.Completed(RequestClass.SignIn, Outcome.Timeout, S(i) + S(20), S(20));
        }

        var pool = Enumerable.Range(0, 10).Select(s => new PoolSample(S(s + 0.5), Used: 100, Idle: 0, Max: 100, Pending: 40, Limit: null, RejectedTotal: null, TimeoutsTotal: s * 2)).ToList();
        var audit = new AuditResult(true, new Dictionary<string, long> { ["paid"] = 12, ["payment_failed"] = 1 }, new Dictionary<string, long> { ["p1"] = 12 }, null);
        return Run("naive", recorder, pool, audit, events: []) with
        {
            Alerts =
            [
                new AlertFiring("BulwarkPoolUseHigh", "Database pool use at or above 80% of the gate's limit; held 6s (rule: 60s)", 7, 3) { Severity = "warning", NotifiedAtSeconds = 7.4 },
                new AlertFiring("BulwarkConnectionAcquireTimeouts", "Requests timed out waiting for a database connection; no hold; windows [30s] (rule: [300s])", 2, 8)
                    { Severity = "critical", NotifiedAtSeconds = 2.3 },
            ],
            Alerting = Setup,
        };
    }

    /// <summary>Guarded: fast successes, 30 shed, pool below its limit, 20 paid orders, one product oversold by 2 units (to prove the field is computed).</summary>
    public static ModeRun Guarded()
    {
        var recorder = new RunRecorder(ServiceLevel.Default, Duration + S(5));
        for (var i = 0; i < 100; i++)
        {
            var at = S(i / 10.0);
            recorder.Offered(RequestClass.Browse, at);
            recorder.Completed(RequestClass.Browse, Outcome.Success, at + Ms(20), Ms(20));
        }
        for (var i = 0; i < 30; i++)
        {
            var at = S(i / 3.0);
            recorder.Offered(RequestClass.Checkout, at);
            recorder.Completed(RequestClass.Checkout, Outcome.Shed, at + Ms(3), Ms(3));
        }
        for (var i = 0; i < 20; i++)
        {
            var at = S(i / 2.0);
            recorder.Offered(RequestClass.Checkout, at);
            recorder.Completed(RequestClass.Checkout, Outcome.Success, at + Ms(80), Ms(80));
        }

        var pool = Enumerable.Range(0, 10).Select(s => new PoolSample(S(s + 0.5), Used: 5, Idle: 4, Max: 40, Pending: 0, Limit: 10, RejectedTotal: s * 3, TimeoutsTotal: 0)).ToList();
        var audit = new AuditResult(true, new Dictionary<string, long> { ["paid"] = 20 }, new Dictionary<string, long> { ["p1"] = 52, ["p2"] = 3 }, null);
        return Run("guarded", recorder, pool, audit, events: [new EventRecord(4, "PUT /api/admin/config floor=1 ceiling=2", "refused: 422 too small for the measured load")]) with
        {
            Alerts =
            [
                new AlertFiring("BulwarkPoolUseHigh", "Database pool use at or above 80% of the gate's limit; held 6s (rule: 60s)", null, 0) { Severity = "warning", PendingAtEnd = true },
                new AlertFiring("BulwarkConnectionAcquireTimeouts", "Requests timed out waiting for a database connection; no hold; windows [30s] (rule: [300s])", null, 0)
                    { Severity = "critical" },
            ],
            Alerting = Setup,
        };
    }

    static readonly AlertingSetup Setup = new("Prometheus 2.42.0, Alertmanager 0.25.0; scrape and rule evaluation every 1 s", 10,
        "rule times divided by 10", TriggerAtSeconds: 5);

    static ModeRun Run(string mode, RunRecorder recorder, IReadOnlyList<PoolSample> pool, AuditResult audit, IReadOnlyList<EventRecord> events) => new(
        mode,
        recorder,
        new LoadRunSummary(Sent: 130, Dropped: 0, PeakInFlight: 12, Elapsed: Duration + S(1), WorstDispatchLag: Ms(2), StillInFlightAtEnd: 0, RunEnd.ScheduleDone),
        Duration,
        pool,
        ScrapeFailures: 0,
        audit,
        new PurchaseLedger(),
        InitialStock: new Dictionary<string, long> { ["p1"] = 50, ["p2"] = 10 },
        events,
        Notes: []);

    public static ScenarioReport Report(string title = "Incident 1: checkout surge") => new(
        new ScenarioInfo("incident-1", title, "sudden surge on checkout", "Replays incident 1.", Duration.TotalSeconds, 42, 200, 2000,
            new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero), new MachineInfo("Linux", 2, ".NET 10", "1.0"),
            [new PhaseInfo("checkout", "baseline", 0, 5, 10, 10), new PhaseInfo("checkout", "surge", 5, 5, 100, 100)]),
        new Dictionary<string, ModeReport>
        {
            ["naive"] = ModeReportBuilder.Build(Naive()),
            ["guarded"] = ModeReportBuilder.Build(Guarded()),
        });
}
