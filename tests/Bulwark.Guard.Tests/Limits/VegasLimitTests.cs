using Bulwark.Guard.Limits;

namespace Bulwark.Guard.Tests.Limits;

public sealed class VegasLimitTests
{
    private static readonly LimitBounds Bounds = new(2, 100);

    /// <summary>Latency of a USL database (σ = 0.1, κ = 0.02, optimum 7) with <paramref name="concurrency"/> statements.</summary>
    private static TimeSpan UslRtt(int concurrency) =>
        TimeSpan.FromMilliseconds(4 * (1 + 0.1 * (concurrency - 1) + 0.02 * concurrency * (concurrency - 1)));

    /// <summary>Feeds windows of a saturated database (as many in flight as the limit allows).</summary>
    private static void Saturate(VegasLimit vegas, ref TimeSpan at, int windows)
    {
        for (var i = 0; i < windows; i++)
        {
            at += TimeSpan.FromMilliseconds(100);
            var inFlight = vegas.Current;
            vegas.Update(new LimitSample(at, TimeSpan.FromMilliseconds(100), UslRtt(inFlight), inFlight, 50, 0));
        }
    }

    [Fact]
    public void Settles_near_the_throughput_optimum_of_a_saturated_database()
    {
        var vegas = new VegasLimit(initialLimit: 40, Bounds);
        var at = TimeSpan.Zero;
        Saturate(vegas, ref at, 600);

        Assert.InRange(vegas.Current, 5, 9);
    }

    [Fact]
    public void Measures_its_baseline_with_a_probe_before_deciding_when_it_never_saw_low_concurrency()
    {
        var vegas = new VegasLimit(initialLimit: 40, Bounds);
        var at = TimeSpan.Zero;
        Saturate(vegas, ref at, 1);

        Assert.True(vegas.IsProbing);
        Assert.Equal(5, vegas.Current); // an eighth of 40
    }

    [Fact]
    public void Backs_off_by_a_tenth_after_a_window_with_drops()
    {
        var vegas = new VegasLimit(initialLimit: 50, Bounds);
        vegas.Update(new LimitSample(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100), UslRtt(1), 1, 50, 0));

        vegas.Update(new LimitSample(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100), UslRtt(1), 50, 50, Dropped: 3));

        Assert.Equal(45, vegas.Current);
    }

    [Fact]
    public void Does_not_grow_when_the_load_does_not_use_the_limit()
    {
        var vegas = new VegasLimit(initialLimit: 20, Bounds);
        for (var i = 1; i <= 50; i++)
        {
            vegas.Update(new LimitSample(TimeSpan.FromMilliseconds(100 * i), TimeSpan.FromMilliseconds(100), UslRtt(2), MaxInFlight: 2, 50, 0));
        }

        Assert.Equal(20, vegas.Current);
    }

    [Fact]
    public void Compares_each_class_of_work_with_its_own_baseline_so_a_cheaper_mix_is_not_read_as_a_faster_database()
    {
        var vegas = new VegasLimit(initialLimit: 8, Bounds);
        var cheap = TimeSpan.FromMilliseconds(1);
        var dear = TimeSpan.FromMilliseconds(5);

        // Idle: both classes at their no-load latency.
        vegas.Update(Mixed(TimeSpan.FromMilliseconds(100), inFlight: 1, cheap, 10, dear, 10));

        // Loaded at 8: both classes take 3× as long, but the mix shifted to mostly cheap work, so the
        // overall average (about 4 ms) is barely above the idle one (3 ms).
        vegas.Update(Mixed(TimeSpan.FromMilliseconds(200), inFlight: 8, cheap * 3, 45, dear * 3, 5));

        Assert.True(vegas.Current < 8, $"latency tripled, the limit should shrink, was {vegas.Current}");
    }

    [Fact]
    public void Re_measures_the_baseline_after_the_probe_interval_so_a_slower_database_gets_a_fair_limit()
    {
        var vegas = new VegasLimit(initialLimit: 8, Bounds);
        var at = TimeSpan.Zero;
        vegas.Update(new LimitSample(at += TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100), UslRtt(1), 1, 50, 0));
        Assert.Equal(UslRtt(1), vegas.BaselineOf());

        // The database becomes twice as slow for good (say, a colder cache), and stays saturated.
        for (var i = 0; i < 400 && !vegas.IsProbing; i++)
        {
            at += TimeSpan.FromMilliseconds(100);
            vegas.Update(new LimitSample(at, TimeSpan.FromMilliseconds(100), UslRtt(vegas.Current) * 2, vegas.Current, 50, 0));
        }

        Assert.True(vegas.IsProbing);
        var probeLimit = vegas.Current;
        at += TimeSpan.FromMilliseconds(100);
        vegas.Update(new LimitSample(at, TimeSpan.FromMilliseconds(100), UslRtt(probeLimit) * 2, 20, 50, 0)); // draining
        at += TimeSpan.FromMilliseconds(100);
        vegas.Update(new LimitSample(at, TimeSpan.FromMilliseconds(100), UslRtt(probeLimit) * 2, probeLimit, 50, 0));

        Assert.False(vegas.IsProbing);
        Assert.True(vegas.BaselineOf() > UslRtt(1) * 1.5, $"baseline should follow the slower database, was {vegas.BaselineOf()}");
        Assert.True(vegas.Current >= probeLimit);
    }

    private static LimitSample Mixed(TimeSpan at, int inFlight, TimeSpan cheapRtt, int cheapCount, TimeSpan dearRtt, int dearCount)
    {
        var count = cheapCount + dearCount;
        var average = (cheapRtt * cheapCount + dearRtt * dearCount) / count;
        return new LimitSample(at, TimeSpan.FromMilliseconds(100), average, inFlight, count, 0)
        {
            Classes = [new ClassLatency(0, cheapRtt, cheapCount), new ClassLatency(2, dearRtt, dearCount)],
        };
    }
}
