using Bulwark.Shop.Operations.Metrics;

namespace Bulwark.Shop.Tests.Operations;

/// <summary>The dashboard's quantiles must read like PromQL's histogram_quantile, or the page and Prometheus disagree.</summary>
public sealed class HistogramQuantileTests
{
    private static readonly double[] Bounds = [0.1, 0.25, 0.5];

    [Fact]
    public void The_quantile_interpolates_linearly_inside_the_bucket_that_holds_its_rank()
    {
        // 10 at or below 0.1, 10 in (0.1, 0.25], 80 in (0.25, 0.5]: the 99th of 100 is 79/80 into the last bucket.
        var p99 = HistogramData.Quantile(0.99, Bounds, [10, 10, 80, 0]);

        Assert.Equal(0.25 + 0.25 * (79.0 / 80.0), p99!.Value, 12);
    }

    [Fact]
    public void The_first_bucket_starts_at_zero()
    {
        Assert.Equal(0.05, HistogramData.Quantile(0.5, Bounds, [10, 0, 0, 0])!.Value, 12);
    }

    [Fact]
    public void A_rank_in_the_overflow_bucket_answers_the_highest_finite_bound()
    {
        Assert.Equal(0.5, HistogramData.Quantile(0.99, Bounds, [1, 0, 0, 99]));
    }

    [Fact]
    public void Nothing_measured_has_no_quantile()
    {
        Assert.Null(HistogramData.Quantile(0.99, Bounds, [0, 0, 0, 0]));
    }

    [Fact]
    public void A_window_is_the_difference_of_two_running_histograms()
    {
        var earlier = new HistogramTotals(Bounds, [5, 5, 0, 0]);
        var now = new HistogramTotals(Bounds, [5, 5, 10, 0]);

        var window = now.Since(earlier);

        Assert.Equal([0L, 0, 10, 0], window.Counts);
        Assert.Equal(0.5, window.Quantile(1.0));
    }
}
