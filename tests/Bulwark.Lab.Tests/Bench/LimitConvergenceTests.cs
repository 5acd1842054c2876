using Bulwark.Lab.Bench;
using Bulwark.Lab.Metrics;

namespace Bulwark.Lab.Tests.Bench;

public sealed class LimitConvergenceTests
{
    static readonly TimeSpan Step = TimeSpan.FromSeconds(10);

    static List<PoolSample> Limits(Func<double, double?> limitAt) =>
        [.. Enumerable.Range(0, 50).Select(i => TimeSpan.FromMilliseconds(200 * i)).Select(at => new PoolSample(at, null, null, null, null, limitAt(at.TotalSeconds), null, null))];

    [Fact]
    public void A_limit_that_climbs_and_then_holds_converges_when_it_reaches_the_band()
    {
        // 8 → 40 linearly over 3 s, then 40: within 20 % of 40 (≥ 32) from 2.25 s on, first sample at 2.4 s.
        var samples = Limits(t => t < 3 ? 8 + (32 * t / 3) : 40);
        Assert.Equal(2.4, LimitConvergence.Seconds(samples, Step), 3);
    }

    [Fact]
    public void A_limit_already_settled_at_the_step_converges_at_once()
    {
        Assert.Equal(0, LimitConvergence.Seconds(Limits(_ => 20), Step));
    }

    [Fact]
    public void A_limit_that_leaves_the_band_again_has_not_converged_until_it_stays()
    {
        // 8 until 1 s, 40 for 0.6 s (in the band, but not for a whole second), 10 at 1.6 s, then 40 for good.
        var samples = Limits(t => t < 0.99 ? 8 : Math.Abs(t - 1.6) < 0.01 ? 10 : 40);
        Assert.Equal(1.8, LimitConvergence.Seconds(samples, Step), 3);
    }

    [Fact]
    public void A_limit_that_never_holds_still_never_converges()
    {
        var samples = Limits(t => (int)(t * 5) % 2 == 0 ? 10 : 40);
        Assert.Equal(double.PositiveInfinity, LimitConvergence.Seconds(samples, Step));
    }

    [Fact]
    public void Without_a_limit_series_there_is_nothing_to_judge()
    {
        Assert.True(double.IsNaN(LimitConvergence.Seconds(Limits(_ => null), Step)));
    }
}
