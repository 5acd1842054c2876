namespace Bulwark.Lab.Reports;

/// <summary>
/// Replays the shop's alert conditions on a run's per-second series, to say when an operator would
/// have been paged. The conditions mirror the alert rules the incidents asked for (pool use ≥ 80%,
/// waiters, acquire timeouts, error rate, latency); the hold is 5 s rather than minutes because a
/// lab run lasts a minute, so "fired at" is when the condition became sustained, not a pager time.
/// </summary>
public static class AlertReplay
{
    sealed record Rule(string Name, string Condition, int HoldSeconds, Func<TimeSeries, int, bool> Holds);

    public static IReadOnlyList<AlertFiring> Evaluate(TimeSeries series, double sloMs)
    {
        Rule[] rules =
        [
            new("DbPoolHighUtilization", "pool connections in use ≥ 80% of the pool for 5 s", 5,
                (s, i) => s.PoolUsed[i] is { } used && s.PoolMax[i] is > 0 and { } max && used / max >= 0.8),
            new("DbPoolWaiters", "requests waiting for a pool connection for 5 s", 5,
                (s, i) => s.PoolPending[i] is > 0),
            new("DbAcquireTimeouts", "a pool connection request timed out", 1,
                (s, i) => s.AcquireTimeoutRps[i] is > 0),
            new("HighErrorRate", "errors + timeouts > 1% of answers for 5 s", 5,
                (s, i) => s.ErrorRps[i] + s.TimeoutRps[i] > 0 && (s.ErrorRps[i] + s.TimeoutRps[i]) / Math.Max(1, s.ThroughputRps[i]) > 0.01),
            new("HighLatency", $"p99 above the {sloMs:0} ms SLO for 5 s", 5,
                (s, i) => s.P99Ms[i] > sloMs),
            new("LoadShedding", "the shop answered 503 (shedding) in a second", 1,
                (s, i) => s.ShedRps[i] > 0),
        ];
        return [.. rules.Select(r => Replay(r, series))];
    }

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
