using Bulwark.Guard.Limits;

namespace Bulwark.Guard.Tests.Limits;

public sealed class LimitAlgorithmTests
{
    private static LimitSample Window(double seconds, double rttMs, int inFlight, int dropped = 0) =>
        new(TimeSpan.FromSeconds(seconds), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(rttMs), inFlight, 50, dropped);

    [Fact]
    public void Fixed_holds_its_limit_whatever_it_sees_and_clamps_into_new_bounds()
    {
        var limit = new FixedLimit(12, new LimitBounds(2, 50));
        limit.Update(Window(1, 500, 12, dropped: 10));
        Assert.Equal(12, limit.Current);

        limit.SetBounds(new LimitBounds(2, 8));
        Assert.Equal(8, limit.Current);
    }

    [Fact]
    public void Aimd_adds_one_per_good_loaded_window_and_cuts_a_tenth_after_drops()
    {
        var aimd = new AimdLimit(10, new LimitBounds(2, 50));
        aimd.Update(Window(1, 5, inFlight: 10));
        aimd.Update(Window(2, 5, inFlight: 11));
        Assert.Equal(12, aimd.Current);

        aimd.Update(Window(3, 5, inFlight: 12, dropped: 1));
        Assert.Equal(10, aimd.Current); // 12 × 0.9 = 10.8
    }

    [Fact]
    public void Aimd_cuts_when_latency_crosses_its_threshold_even_without_drops()
    {
        var aimd = new AimdLimit(20, new LimitBounds(2, 50));
        aimd.Update(Window(1, 300, inFlight: 20));
        Assert.Equal(18, aimd.Current);
    }

    [Fact]
    public void Gradient2_shrinks_when_latency_jumps_above_its_long_term_average()
    {
        var gradient = new Gradient2Limit(40, new LimitBounds(2, 100));
        for (var i = 1; i <= 50; i++)
        {
            gradient.Update(Window(i * 0.1, 5, inFlight: gradient.Current));
        }

        var before = gradient.Current;
        for (var i = 51; i <= 60; i++)
        {
            gradient.Update(Window(i * 0.1, 25, inFlight: gradient.Current));
        }

        Assert.True(gradient.Current < before, $"expected less than {before}, was {gradient.Current}");
    }

    [Fact]
    public void Every_algorithm_stays_within_its_bounds()
    {
        var bounds = new LimitBounds(3, 9);
        foreach (var name in LimitAlgorithms.Names)
        {
            var algorithm = LimitAlgorithms.Create(name, 50, bounds);
            for (var i = 1; i <= 100; i++)
            {
                var current = algorithm.Update(Window(i * 0.1, i % 7 == 0 ? 400 : 1, inFlight: 9, dropped: i % 11 == 0 ? 1 : 0));
                Assert.InRange(current, 3, 9);
            }
        }
    }

    [Fact]
    public void Unknown_algorithm_names_are_refused_with_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => LimitAlgorithms.Create("bbr", 10, new LimitBounds(1, 10)));
        Assert.Contains("vegas", error.Message, StringComparison.Ordinal);
    }
}
