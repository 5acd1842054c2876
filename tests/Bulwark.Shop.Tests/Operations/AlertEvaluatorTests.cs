using Bulwark.Shop.Operations.Alerts;
using Bulwark.Shop.Operations.Dashboard;
using Bulwark.Shop.Operations.Metrics;

namespace Bulwark.Shop.Tests.Operations;

/// <summary>The dashboard's alert states over synthetic one-second histories, as Prometheus would evaluate them.</summary>
public sealed class AlertEvaluatorTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Pool_use_at_90_percent_is_pending_first_and_a_warning_after_a_minute_but_never_critical()
    {
        var history = Seconds(30, _ => Sample(used: 9, limit: 10));

        Assert.Equal(AlertState.Pending, State("BulwarkPoolUseHigh", history));

        history = Seconds(61, _ => Sample(used: 9, limit: 10));

        Assert.Equal(AlertState.Firing, State("BulwarkPoolUseHigh", history));
        Assert.Equal(AlertState.Inactive, State("BulwarkPoolUseCritical", history));
    }

    [Fact]
    public void A_break_in_the_condition_restarts_the_hold()
    {
        // 100 s at 95%, one second at 50%, then 30 s at 95% again: held for 30 s only.
        var history = Seconds(131, second => Sample(used: second == 100 ? 10 : 19, limit: 20));

        var status = AlertEvaluator.Evaluate(Rule("BulwarkPoolUseCritical"), history);

        Assert.Equal(AlertState.Pending, status.State);
        Assert.Equal(Start.AddSeconds(101), status.ActiveSince);
    }

    [Fact]
    public void Without_a_limit_there_is_no_pool_use_to_alert_on()
    {
        Assert.Equal(AlertState.Inactive, State("BulwarkPoolUseCritical", Seconds(120, _ => Sample(used: 50, limit: null))));
    }

    [Fact]
    public void Waiters_fire_after_two_minutes_without_a_break_and_intermittent_waiters_never_do()
    {
        Assert.Equal(AlertState.Firing, State("BulwarkConnectionWaiters", Seconds(125, _ => Sample(waiters: 1))));
        // Waiting now (pending), but every other second the queue was empty: the hold never reaches two minutes.
        Assert.Equal(AlertState.Pending, State("BulwarkConnectionWaiters", Seconds(301, second => Sample(waiters: second % 2 == 0 ? 1 : 0))));
    }

    [Fact]
    public void One_acquire_timeout_fires_at_once_and_clears_five_minutes_later()
    {
        var history = Seconds(30, second => Sample(timeouts: second >= 20 ? 1 : 0));
        Assert.Equal(AlertState.Firing, State("BulwarkConnectionAcquireTimeouts", history));

        history = Seconds(400, second => Sample(timeouts: second >= 20 ? 1 : 0));
        Assert.Equal(AlertState.Inactive, State("BulwarkConnectionAcquireTimeouts", history));
    }

    [Fact]
    public void Refused_critical_work_fires_at_once()
    {
        Assert.Equal(AlertState.Firing, State("BulwarkCriticalRequestsRefused", Seconds(10, second => Sample(criticalRefused: second >= 9 ? 3 : 0))));
        Assert.Equal(AlertState.Inactive, State("BulwarkCriticalRequestsRefused", Seconds(10, _ => Sample())));
    }

    [Fact]
    public void Checkout_errors_above_one_percent_fire_after_two_minutes_and_below_stay_quiet()
    {
        // 100 checkouts a second; 2 (then 0.5) of them fail.
        var failing = Seconds(200, second => Sample(checkouts: 100 * second, checkoutErrors: 2 * second));
        var fine = Seconds(200, second => Sample(checkouts: 100 * second, checkoutErrors: second / 2));

        var status = AlertEvaluator.Evaluate(Rule("BulwarkCheckoutErrorRate"), failing);
        Assert.Equal(AlertState.Firing, status.State);
        Assert.Equal(0.02, status.Value!.Value, 6);
        Assert.Equal(AlertState.Inactive, State("BulwarkCheckoutErrorRate", fine));
    }

    [Fact]
    public void Checkout_p99_over_the_objective_fires_after_five_minutes()
    {
        double[] bounds = [0.1, 0.25, 0.5];
        // Each second 10 checkouts: 8 fast, 2 between 250 and 500 ms, so the p99 is well over 200 ms.
        var slow = Seconds(320, second => Sample(latency: new HistogramTotals(bounds, [8L * second, 0, 2L * second, 0])));
        var fast = Seconds(320, second => Sample(latency: new HistogramTotals(bounds, [10L * second, 0, 0, 0])));

        Assert.Equal(AlertState.Firing, State("BulwarkCheckoutLatencySlo", slow));
        Assert.Equal(AlertState.Pending, State("BulwarkCheckoutLatencySlo", slow.Take(200).ToList()));
        Assert.Equal(AlertState.Inactive, State("BulwarkCheckoutLatencySlo", fast));
    }

    [Fact]
    public void An_instance_not_ready_for_a_minute_fires()
    {
        Assert.Equal(AlertState.Firing, State("BulwarkInstanceNotReady", Seconds(90, second => Sample(ready: second < 20))));
        Assert.Equal(AlertState.Pending, State("BulwarkInstanceNotReady", Seconds(90, second => Sample(ready: second < 60))));
        Assert.Equal(AlertState.Inactive, State("BulwarkInstanceNotReady", Seconds(90, _ => Sample())));
    }

    [Fact]
    public void With_no_samples_every_alert_is_inactive()
    {
        Assert.All(AlertEvaluator.Evaluate([]), status => Assert.Equal(AlertState.Inactive, status.State));
    }

    private static AlertRule Rule(string name) => AlertRules.All.Single(rule => rule.Name == name);

    private static AlertState State(string name, IReadOnlyList<OpsSample> history) => AlertEvaluator.Evaluate(Rule(name), history).State;

    /// <summary>One sample per second from <see cref="Start"/>, made by <paramref name="make"/> from the second's number.</summary>
    private static List<OpsSample> Seconds(int count, Func<int, OpsSample> make) =>
        [.. Enumerable.Range(0, count).Select(second => make(second) with { At = Start.AddSeconds(second) })];

    private static OpsSample Sample(double used = 1, double? limit = 10, double waiters = 0, double timeouts = 0, double criticalRefused = 0,
        double checkouts = 0, double checkoutErrors = 0, HistogramTotals? latency = null, bool ready = true) =>
        new(Start, new PoolSample(used, 0, limit, 100), new PerPriority(0, waiters, 0, waiters), null, PerPriority.Zero, PerPriority.Zero,
            PerPriority.Zero, null, null, ready)
        {
            Totals = new AlertTotals(timeouts, criticalRefused, checkouts, checkoutErrors, latency),
        };
}
