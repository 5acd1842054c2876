using Bulwark.Lab.Load;
using Bulwark.Lab.Measurement;
using Bulwark.Lab.Metrics;
using Bulwark.Lab.Shop;

namespace Bulwark.Lab.Reports;

/// <summary>Everything one mode's run produced, gathered for <see cref="ModeReportBuilder"/>.</summary>
public sealed record ModeRun(
    string Mode,
    RunRecorder Recorder,
    LoadRunSummary Generator,
    TimeSpan ScheduleDuration,
    IReadOnlyList<PoolSample> PoolSamples,
    int ScrapeFailures,
    AuditResult? Audit,
    PurchaseLedger Ledger,
    IReadOnlyDictionary<string, long> InitialStock,
    IReadOnlyList<EventRecord> Events,
    IReadOnlyList<string> Notes,
    string? Failure = null,
    IReadOnlyList<AlertFiring>? Alerts = null,
    AlertingSetup? Alerting = null);

public static class ModeReportBuilder
{
    public static ModeReport Build(ModeRun run)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(Math.Max(run.ScheduleDuration.TotalSeconds, run.Generator.Elapsed.TotalSeconds)));
        var scheduleSeconds = Math.Max(1e-9, run.ScheduleDuration.TotalSeconds);
        var classes = run.Recorder.Classes;
        long Total(Func<ClassStats, long> pick) => classes.Values.Sum(pick);

        var series = BuildSeries(run.Recorder.Timeline.Summaries(seconds), run.PoolSamples);
        var notes = new List<string>(run.Notes);
        var (ordersPaid, ordersByStatus) = CountOrders(run, notes);

        return new ModeReport
        {
            Mode = run.Mode,
            GoodputRps = Total(c => c.Good) / scheduleSeconds,
            CheckoutGoodputRps = classes[RequestClass.Checkout].Good / scheduleSeconds,
            P99Ms = LatencyHistogram.Merge(classes.Values.Select(c => c.Successful)).PercentileMs(99),
            P99AllMs = LatencyHistogram.Merge(classes.Values.Select(c => c.All)).PercentileMs(99),
            Errors = Total(c => c.Count(Outcome.Error)),
            Shed = Total(c => c.Count(Outcome.Shed)),
            Limited = Total(c => c.Count(Outcome.Limited)),
            Timeouts = Total(c => c.Count(Outcome.Timeout)),
            SlowerThanDeadline = Total(c => c.SlowerThanDeadline),
            DroppedByGenerator = Total(c => c.Count(Outcome.Dropped)),
            Offered = Total(c => c.Offered),
            Completed = Total(c => c.All.Count),
            OrdersPaid = ordersPaid,
            Oversold = Oversold(run, notes),
            OrdersByStatus = ordersByStatus,
            Classes = classes.ToDictionary(c => c.Key.Key(), c => ClassReportOf(c.Value, scheduleSeconds)),
            Series = series,
            Alerts = run.Alerts ?? [],
            Alerting = run.Alerting,
            Events = run.Events,
            Generator = new GeneratorReport(
                run.Generator.Sent,
                run.Generator.PeakInFlight,
                run.Generator.WorstDispatchLag.TotalMilliseconds,
                run.Generator.StillInFlightAtEnd,
                run.Generator.End.ToString(),
                run.ScrapeFailures),
            Notes = notes,
            Failure = run.Failure,
        };
    }

    /// <summary>The report of a mode that could not run: zeros, and the reason, so the scenario's other mode still gets reported.</summary>
    public static ModeReport Failed(string mode, TimeSpan scheduleDuration, ServiceLevel serviceLevel, string reason) => Build(new ModeRun(
        mode,
        new RunRecorder(serviceLevel, scheduleDuration),
        new LoadRunSummary(0, 0, 0, TimeSpan.Zero, TimeSpan.Zero, 0, RunEnd.Cancelled),
        scheduleDuration,
        [],
        0,
        null,
        new PurchaseLedger(),
        new Dictionary<string, long>(),
        [],
        [],
        reason));

    static (long Paid, IReadOnlyDictionary<string, long> ByStatus) CountOrders(ModeRun run, List<string> notes)
    {
        if (run.Audit is { Complete: true } audit) return (audit.Count("paid"), audit.OrdersByStatus);

        if (run.Failure is null) notes.Add("Orders counted from checkout answers only (the shop's order lists could not be read back): orders whose answer was lost are missing.");
        var byStatus = run.Ledger.Orders.GroupBy(o => o.Status).ToDictionary(g => g.Key, g => (long)g.Count());
        return (byStatus.GetValueOrDefault("paid"), byStatus);
    }

    static long Oversold(ModeRun run, List<string> notes)
    {
        IReadOnlyDictionary<string, long> units;
        if (run.Audit is { Complete: true, LiveUnitsByProduct: { } live }) units = live;
        else
        {
            if (run.Failure is null) notes.Add("Oversell checked against confirmed checkouts only.");
            units = run.Ledger.Orders.SelectMany(o => o.Lines).GroupBy(l => l.Key).ToDictionary(g => g.Key, g => (long)g.Sum(l => l.Value));
        }
        return units.Sum(u => run.InitialStock.TryGetValue(u.Key, out var stock) ? Math.Max(0, u.Value - stock) : 0);
    }

    static ClassReport ClassReportOf(ClassStats stats, double scheduleSeconds) => new(
        stats.Offered,
        stats.All.Count,
        stats.Good,
        stats.Good / scheduleSeconds,
        stats.Count(Outcome.Shed),
        stats.Count(Outcome.Limited),
        stats.Count(Outcome.SoldOut),
        stats.Count(Outcome.Declined),
        stats.Count(Outcome.Error),
        stats.Count(Outcome.Timeout),
        stats.Count(Outcome.Dropped),
        stats.SlowerThanDeadline,
        LatencyOf(stats.All),
        LatencyOf(stats.Successful));

    static LatencyReport LatencyOf(LatencyHistogram histogram)
    {
        var s = histogram.Summarize();
        return new LatencyReport(s.Count, s.P50Ms, s.P90Ms, s.P99Ms, s.P999Ms, s.MaxMs, s.MeanMs);
    }

    /// <summary>Joins the generator's seconds with the pool samples scraped in the same seconds.</summary>
    internal static TimeSeries BuildSeries(IReadOnlyList<SecondSummary> seconds, IReadOnlyList<PoolSample> samples)
    {
        var bySecond = new PoolSample?[seconds.Count];
        foreach (var sample in samples.OrderBy(s => s.At))
        {
            var i = (int)sample.At.TotalSeconds;
            if (i >= 0 && i < bySecond.Length) bySecond[i] = sample;   // the latest sample of each second wins
        }

        return new TimeSeries(
            [.. seconds.Select(s => s.Second)],
            [.. seconds.Select(s => (double)s.Offered)],
            [.. seconds.Select(s => (double)s.Completed)],
            [.. seconds.Select(s => (double)s.Good)],
            [.. seconds.Select(s => (double)s.CheckoutGood)],
            [.. seconds.Select(s => s.P99Ms)],
            [.. seconds.Select(s => (double)s.Shed)],
            [.. seconds.Select(s => (double)s.Limited)],
            [.. seconds.Select(s => (double)s.Errors)],
            [.. seconds.Select(s => (double)s.Timeouts)],
            [.. seconds.Select(s => (double)s.Dropped)],
            [.. bySecond.Select(p => p?.Used)],
            [.. bySecond.Select(p => p?.Max)],
            [.. bySecond.Select(p => p?.Pending)],
            [.. bySecond.Select(p => p?.Limit)],
            CounterRate(bySecond, p => p.RejectedTotal),
            CounterRate(bySecond, p => p.TimeoutsTotal),
            CounterRate(bySecond, p => p.CriticalRejectedTotal),
            [.. seconds.Select(s => (double)s.CheckoutCompleted)],
            [.. seconds.Select(s => (double)s.CheckoutFailed)],
            [.. seconds.Select(s => s.CheckoutP99Ms)],
            [.. seconds.Select(s => (double)s.CheckoutOffered)]);
    }

    /// <summary>Per-second increase of a cumulative counter between consecutive samples; null where either sample is missing.</summary>
    static IReadOnlyList<double?> CounterRate(PoolSample?[] bySecond, Func<PoolSample, double?> counter)
    {
        var rates = new double?[bySecond.Length];
        PoolSample? previous = null;
        for (var i = 0; i < bySecond.Length; i++)
        {
            var current = bySecond[i];
            if (current is not null && previous is not null && counter(current) is { } now && counter(previous) is { } before)
            {
                var elapsed = (current.At - previous.At).TotalSeconds;
                // A counter that went down means the shop restarted: its new value is all increase.
                rates[i] = elapsed > 0 ? Math.Max(0, now >= before ? now - before : now) / elapsed : null;
            }
            if (current is not null) previous = current;
        }
        return rates;
    }
}
