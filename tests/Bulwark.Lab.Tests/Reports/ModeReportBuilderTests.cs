using Bulwark.Lab.Metrics;
using Bulwark.Lab.Reports;

namespace Bulwark.Lab.Tests.Reports;

public class ModeReportBuilderTests
{
    [Fact]
    public void Cumulative_counters_become_per_second_rates_and_gaps_stay_null()
    {
        var seconds = Enumerable.Range(0, 4).Select(i => new Bulwark.Lab.Load.SecondSummary(i, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).ToList();
        PoolSample Sample(double at, double rejected) => new(TimeSpan.FromSeconds(at), 1, 1, 10, 0, 5, rejected, null);

        var series = ModeReportBuilder.BuildSeries(seconds, [Sample(0.5, 10), Sample(1.5, 40), Sample(3.5, 50)]);

        Assert.Equal([null, 30.0, null, 5.0], series.AdmissionRejectedRps);
        Assert.Equal([1.0, 1.0, null, 1.0], series.PoolUsed);
        Assert.All(series.AcquireTimeoutRps, Assert.Null);
    }

    [Fact]
    public void Goodput_counts_only_successes_within_the_slo()
    {
        var naive = ModeReportBuilder.Build(ReportFixtures.Naive());

        Assert.Equal(0, naive.Classes["browse"].Goodput);       // 900 ms answers miss a 200 ms SLO
        Assert.Equal(100, naive.Classes["browse"].Completed);
        Assert.Equal(20, naive.Classes["checkout"].Goodput);
        Assert.Equal(2.0, naive.CheckoutGoodputRps, 9);
    }

    [Fact]
    public void Oversold_units_are_what_live_orders_hold_beyond_the_stock_before_the_run()
    {
        var guarded = ModeReportBuilder.Build(ReportFixtures.Guarded());

        Assert.Equal(2, guarded.Oversold);
        Assert.Equal(20, guarded.OrdersPaid);
    }
}

public class AlertReplayTests
{
    static TimeSeries Series(int seconds, Func<int, double?> used, Func<int, double?> limit, Func<int, double> checkoutP99)
    {
        var zeros = Enumerable.Repeat(0.0, seconds).ToList();
        var nulls = Enumerable.Repeat<double?>(null, seconds).ToList();
        return new TimeSeries(
            [.. Enumerable.Range(0, seconds)], zeros, zeros, zeros, zeros, zeros, zeros, zeros, zeros, zeros, zeros,
            [.. Enumerable.Range(0, seconds).Select(used)], Enumerable.Repeat<double?>(100, seconds).ToList(), nulls,
            [.. Enumerable.Range(0, seconds).Select(limit)], nulls, nulls, nulls,
            Enumerable.Repeat(10.0, seconds).ToList(), zeros, [.. Enumerable.Range(0, seconds).Select(checkoutP99)]);
    }

    [Fact]
    public void Pool_use_is_measured_against_the_gates_limit_when_there_is_one()
    {
        // 9 of a limit of 10 is 90% even though the pool maximum is 100.
        var alerts = AlertReplay.Evaluate(Series(10, _ => 9, _ => 10, _ => 50));

        Assert.Equal(5, alerts.Single(a => a.Name == "BulwarkPoolUseHigh").FiredAtSeconds);
        Assert.Null(alerts.Single(a => a.Name == "BulwarkPoolUseCritical").FiredAtSeconds);
    }

    [Fact]
    public void A_condition_that_breaks_before_its_hold_does_not_fire()
    {
        // Checkout p99 is slow for 4 seconds, fast for one, slow for 4 again: never 5 in a row.
        var alerts = AlertReplay.Evaluate(Series(9, _ => 1, _ => 10, s => s == 4 ? 50 : 900));

        Assert.Null(alerts.Single(a => a.Name == "BulwarkCheckoutLatencySlo").FiredAtSeconds);
    }

    [Fact]
    public void Checkout_latency_fires_after_five_slow_seconds_and_counts_the_seconds_firing()
    {
        var alerts = AlertReplay.Evaluate(Series(10, _ => 1, _ => 10, s => s >= 2 ? 900 : 50));

        var latency = alerts.Single(a => a.Name == "BulwarkCheckoutLatencySlo");
        Assert.Equal(7, latency.FiredAtSeconds);   // slow from second 2; held through second 6
        Assert.Equal(4, latency.SecondsFiring);    // seconds 6, 7, 8, 9
    }
}
