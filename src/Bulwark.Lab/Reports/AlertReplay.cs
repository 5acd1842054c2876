namespace Bulwark.Lab.Reports;

/// <summary>
/// Replays the shop's alert rules (<c>deploy/prometheus/alerts.yml</c>: same names, same conditions)
/// on a run's per-second series, to say when the operator would have been paged. A lab run lasts a
/// minute, so each rule's hold (<c>for:</c> 1–5 min, rate windows of 5 min) is scaled down to a few
/// seconds: "fired at" is when the condition became sustained, not a real pager time.
/// </summary>
public static class AlertReplay
{
    sealed record Rule(string Name, string Condition, int HoldSeconds, Func<TimeSeries, int, bool> Holds);

    /// <summary>The checkout objective the shop's latency alert is written against.</summary>
    public const double CheckoutObjectiveMs = 200;

    public static IReadOnlyList<AlertFiring> Evaluate(TimeSeries series)
    {
        Rule[] rules =
        [
            new("BulwarkPoolUseHigh", "connections in use ≥ 80% of the limit (the pool maximum where no limit is exported), held 5 s (rule: 1 min)", 5,
                (s, i) => Use(s, i) >= 0.8),
            new("BulwarkPoolUseCritical", "connections in use ≥ 95% of the limit, held 5 s (rule: 1 min)", 5,
                (s, i) => Use(s, i) >= 0.95),
            new("BulwarkConnectionWaiters", "requests waiting for a connection, held 5 s (rule: 2 min)", 5,
                (s, i) => s.PoolPending[i] is > 0),
            new("BulwarkConnectionAcquireTimeouts", "a request timed out waiting for a connection", 1,
                (s, i) => s.AcquireTimeoutRps[i] is > 0),
            new("BulwarkCriticalRequestsRefused", "the gate refused checkout or payment settlement work", 1,
                (s, i) => s.CriticalRejectedRps[i] is > 0),
            new("BulwarkCheckoutErrorRate", "> 1% of checkouts answered 5xx (503s included) or not at all, held 5 s (rule: 2 min)", 5,
                (s, i) => s.CheckoutFailedRps[i] > 0 && s.CheckoutFailedRps[i] / Math.Max(1, s.CheckoutAnsweredRps[i]) > 0.01),
            new("BulwarkCheckoutLatencySlo", $"checkout p99 above {CheckoutObjectiveMs:0} ms, held 5 s (rule: 5 min)", 5,
                (s, i) => s.CheckoutAnsweredRps[i] > 0 && s.CheckoutP99Ms[i] > CheckoutObjectiveMs),
        ];
        return [.. rules.Select(r => Replay(r, series))];
    }

    /// <summary>Pool use as the alert computes it: used over the gate's limit, or over the pool maximum for a shop without a gate.</summary>
    static double Use(TimeSeries s, int i) =>
        s.PoolUsed[i] is { } used && (s.DbLimit[i] ?? s.PoolMax[i]) is > 0 and { } capacity ? used / capacity : 0;

    static AlertFiring Replay(Rule rule, TimeSeries series)
    {
        double? firedAt = null;
        var run = 0;
        var firing = 0;
        for (var i = 0; i < series.Second.Count; i++)
        {
            run = rule.Holds(series, i) ? run + 1 : 0;
            if (run < rule.HoldSeconds) continue;
            firing++;
            // The condition has held through the end of second i.
            firedAt ??= series.Second[i] + 1;
        }
        return new AlertFiring(rule.Name, rule.Condition, firedAt, firing);
    }
}
