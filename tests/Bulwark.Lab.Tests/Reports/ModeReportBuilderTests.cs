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
