using Bulwark.Lab.Arrivals;

namespace Bulwark.Lab.Tests.Arrivals;

public class ArrivalScheduleTests
{
    static TimeSpan Seconds(double s) => TimeSpan.FromSeconds(s);

    static int[] CountPerSecond(IEnumerable<ScheduledArrival> arrivals, int seconds)
    {
        var counts = new int[seconds];
        foreach (var a in arrivals) counts[(int)a.IntendedAt.TotalSeconds]++;
        return counts;
    }

    /// <summary>Four standard deviations of a Poisson count: a seeded run outside it means a bug, not bad luck.</summary>
    static void AssertPoissonCount(double expected, int actual) =>
        Assert.InRange(actual, expected - 4 * Math.Sqrt(expected), expected + 4 * Math.Sqrt(expected));

    [Fact]
    public void Uniform_constant_rate_sends_rate_times_duration_evenly_spaced()
    {
        var schedule = new ArrivalSchedule([ArrivalPhase.Constant("steady", Seconds(10), 100)], ArrivalProcess.Uniform, seed: 1);

        var arrivals = schedule.Arrivals().ToList();

        // At 10 ms, 20 ms, …: the 1000th lands on the phase's end, where rounding decides which side.
        Assert.InRange(arrivals.Count, 999, 1000);
        Assert.Equal(10, arrivals[0].IntendedAt.TotalMilliseconds, precision: 6);
        var gaps = arrivals.Zip(arrivals.Skip(1), (a, b) => (b.IntendedAt - a.IntendedAt).TotalMilliseconds);
        Assert.All(gaps, g => Assert.Equal(10, g, precision: 3));   // to the microsecond; ticks round the rest
    }

    [Fact]
    public void Poisson_constant_rate_has_the_expected_count_mean_gap_and_exponential_spread()
    {
        var schedule = new ArrivalSchedule([ArrivalPhase.Constant("steady", Seconds(30), 200)], ArrivalProcess.Poisson, seed: 12345);

        var arrivals = schedule.Arrivals().ToList();

        AssertPoissonCount(6000, arrivals.Count);
        var gaps = arrivals.Zip(arrivals.Skip(1), (a, b) => (b.IntendedAt - a.IntendedAt).TotalMilliseconds).ToArray();
        var mean = gaps.Average();
        Assert.InRange(mean, 5 * 0.97, 5 * 1.03);
        // Exponential gaps have a coefficient of variation of 1; evenly spaced ones would have 0.
        var cv = Math.Sqrt(gaps.Select(g => (g - mean) * (g - mean)).Average()) / mean;
        Assert.InRange(cv, 0.9, 1.1);
    }

    [Fact]
    public void The_same_seed_gives_the_same_arrivals_and_another_seed_does_not()
    {
        ArrivalPhase[] phases = [ArrivalPhase.Ramp("ramp", Seconds(5), 10, 300)];

        var first = new ArrivalSchedule(phases, ArrivalProcess.Poisson, seed: 9).Arrivals().Select(a => a.IntendedAt).ToList();
        var again = new ArrivalSchedule(phases, ArrivalProcess.Poisson, seed: 9).Arrivals().Select(a => a.IntendedAt).ToList();
        var other = new ArrivalSchedule(phases, ArrivalProcess.Poisson, seed: 10).Arrivals().Select(a => a.IntendedAt).ToList();

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void A_rising_ramp_offers_monotonically_more_per_second_and_the_area_in_total()
    {
        var schedule = new ArrivalSchedule([ArrivalPhase.Ramp("ramp", Seconds(10), 0, 100)], ArrivalProcess.Uniform, seed: 1);

        var arrivals = schedule.Arrivals().ToList();
        var perSecond = CountPerSecond(arrivals, 10);

        Assert.InRange(arrivals.Count, 499, 500);
        for (var s = 1; s < perSecond.Length; s++) Assert.True(perSecond[s] >= perSecond[s - 1], $"second {s}: {perSecond[s]} < {perSecond[s - 1]}");
        Assert.InRange(perSecond[0], 4, 6);     // mean rate 5/s in the first second
        Assert.InRange(perSecond[9], 94, 96);   // mean rate 95/s in the last
    }

    [Fact]
    public void A_poisson_ramp_puts_three_quarters_of_its_arrivals_in_the_second_half()
    {
        var schedule = new ArrivalSchedule([ArrivalPhase.Ramp("ramp", Seconds(20), 0, 200)], ArrivalProcess.Poisson, seed: 77);

        var arrivals = schedule.Arrivals().ToList();
        var firstHalf = arrivals.Count(a => a.IntendedAt < Seconds(10));

        AssertPoissonCount(2000, arrivals.Count);
        AssertPoissonCount(500, firstHalf);
        AssertPoissonCount(1500, arrivals.Count - firstHalf);
    }

    [Fact]
    public void A_falling_ramp_to_zero_offers_monotonically_fewer_per_second()
    {
        var schedule = new ArrivalSchedule([ArrivalPhase.Ramp("drain", Seconds(10), 100, 0)], ArrivalProcess.Uniform, seed: 1);

        var arrivals = schedule.Arrivals().ToList();
        var perSecond = CountPerSecond(arrivals, 10);

        Assert.InRange(arrivals.Count, 499, 500);
        for (var s = 1; s < perSecond.Length; s++) Assert.True(perSecond[s] <= perSecond[s - 1]);
    }

    [Fact]
    public void A_step_spike_offers_its_rate_only_inside_its_phase()
    {
        ArrivalPhase[] phases =
        [
            ArrivalPhase.Constant("before", Seconds(10), 50),
            ArrivalPhase.Spike("spike", Seconds(5), 500),
            ArrivalPhase.Constant("after", Seconds(10), 50),
        ];
        var schedule = new ArrivalSchedule(phases, ArrivalProcess.Poisson, seed: 2024);

        var arrivals = schedule.Arrivals().ToList();
        var perPhase = arrivals.GroupBy(a => a.PhaseIndex).ToDictionary(g => g.Key, g => g.ToList());

        AssertPoissonCount(500, perPhase[0].Count);
        AssertPoissonCount(2500, perPhase[1].Count);
        AssertPoissonCount(500, perPhase[2].Count);
        Assert.All(perPhase[1], a => Assert.InRange(a.IntendedAt, Seconds(10), Seconds(15)));
        Assert.Equal(3500, schedule.ExpectedArrivals, precision: 6);
        Assert.Equal([Seconds(0), Seconds(10), Seconds(15)], schedule.PhaseStarts());
    }

    [Fact]
    public void Arrivals_are_in_time_order_numbered_and_inside_the_schedule()
    {
        ArrivalPhase[] phases = [ArrivalPhase.Ramp("up", Seconds(3), 10, 400), ArrivalPhase.Ramp("down", Seconds(3), 400, 10)];
        var schedule = new ArrivalSchedule(phases, ArrivalProcess.Poisson, seed: 5);

        var arrivals = schedule.Arrivals().ToList();

        Assert.Equal(Enumerable.Range(0, arrivals.Count).Select(i => (long)i), arrivals.Select(a => a.Sequence));
        Assert.Equal(arrivals.OrderBy(a => a.IntendedAt).Select(a => a.IntendedAt), arrivals.Select(a => a.IntendedAt));
        Assert.All(arrivals, a => Assert.InRange(a.IntendedAt, TimeSpan.Zero, schedule.TotalDuration));
    }

    [Fact]
    public void An_idle_phase_sends_nothing_and_the_next_phase_resumes_its_rate()
    {
        ArrivalPhase[] phases =
        [
            ArrivalPhase.Constant("a", Seconds(1), 10),
            ArrivalPhase.Idle("quiet", Seconds(5)),
            ArrivalPhase.Constant("b", Seconds(1), 10),
        ];
        var schedule = new ArrivalSchedule(phases, ArrivalProcess.Uniform, seed: 1);

        var arrivals = schedule.Arrivals().ToList();

        Assert.Equal(9, arrivals.Count(a => a.PhaseIndex == 0));
        Assert.DoesNotContain(arrivals, a => a.PhaseIndex == 1);
        Assert.Equal(10, arrivals.Count(a => a.PhaseIndex == 2));   // the gap carried over lands at 6.0 s
    }

    [Fact]
    public void Merged_streams_interleave_in_time_order_and_keep_every_arrival()
    {
        var browse = new ArrivalSchedule([ArrivalPhase.Constant("browse", Seconds(5), 80)], ArrivalProcess.Poisson, seed: 1, streamIndex: 0);
        var checkout = new ArrivalSchedule([ArrivalPhase.Spike("surge", Seconds(5), 30)], ArrivalProcess.Poisson, seed: 2, streamIndex: 1);

        var merged = ArrivalMerge.InTimeOrder([browse, checkout]).ToList();

        Assert.Equal(browse.Arrivals().Count() + checkout.Arrivals().Count(), merged.Count);
        Assert.Equal(merged.OrderBy(a => a.IntendedAt).Select(a => a.IntendedAt), merged.Select(a => a.IntendedAt));
        Assert.Contains(merged, a => a.StreamIndex == 1);
    }

    [Fact]
    public void Phases_reject_negative_rates_and_empty_durations()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ArrivalPhase.Constant("bad", Seconds(1), -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ArrivalPhase.Constant("bad", TimeSpan.Zero, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ArrivalPhase.Ramp("bad", Seconds(1), 0, double.NaN));
    }
}
