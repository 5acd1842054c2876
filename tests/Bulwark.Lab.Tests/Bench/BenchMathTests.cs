using Bulwark.Lab.Bench;
using Bulwark.Lab.Measurement;

namespace Bulwark.Lab.Tests.Bench;

public class BenchMathTests
{
    [Fact]
    public void Spread_is_the_median_with_the_range_and_ignores_runs_that_measured_nothing()
    {
        var spread = Spread.Of([3.0, double.NaN, 1.0, 2.0, double.PositiveInfinity]);

        Assert.Equal(2.0, spread.Median);
        Assert.Equal(1.0, spread.Min);
        Assert.Equal(3.0, spread.Max);
        Assert.Equal(5, spread.Runs.Count);
        Assert.Equal(2.5, Spread.Of([1.0, 2.0, 3.0, 4.0]).Median);
        Assert.False(Spread.Of([double.NaN]).IsKnown);
    }

    [Fact]
    public void Recovery_counts_seconds_after_the_spike_until_p99_holds_under_the_slo_for_three_seconds()
    {
        // Spike ends at second 5; second 6 dips under 200 ms once, seconds 8-10 stay under.
        double[] p99 = [50, 60, 900, 950, 990, 700, 150, 400, 180, 120, 90, 80];

        Assert.Equal(3, BenchSuite.RecoverySeconds(p99, spikeEnd: 5));
        Assert.Equal(0, BenchSuite.RecoverySeconds([100, 100, 100, 100], spikeEnd: 0));
        Assert.Equal(double.PositiveInfinity, BenchSuite.RecoverySeconds([900, 100, 100], spikeEnd: 0));
    }

    static BenchSuite.StepMeasurement Step(double goodput, RunValidity validity) =>
        new(1000, goodput, 10, 150, 100, 2, 0, 0, 1, 0, 0, 0, 0, 0, [])
        {
            CapacityRps = 100,
            Seconds = 60,
            Health = new RunHealth(CpuUsage.Unknown, validity.Valid ? 1 : 25, validity),
        };

    [Fact]
    public void An_invalid_repeat_is_left_out_of_the_medians_and_listed_with_its_reason()
    {
        var invalid = RunValidity.Judge(25, 0.5);
        var step = BenchSuite.Summarize(10, [Step(90, RunValidity.Ok), Step(10, invalid), Step(94, RunValidity.Ok)]);

        Assert.Equal(92, step.GoodputRps.Median);
        Assert.Equal(90, step.GoodputRps.Min);
        Assert.Equal(3, step.GoodputRps.Runs.Count);
        Assert.Equal([invalid.Reason!], step.Invalid!);
        Assert.Equal(25, step.GeneratorLagP99Ms!.Max);     // the lag itself is shown for every repeat
    }
}
