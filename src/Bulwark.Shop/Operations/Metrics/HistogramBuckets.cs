using System.Diagnostics.Metrics;

namespace Bulwark.Shop.Operations.Metrics;

/// <summary>Bucket boundaries for a histogram: the instrument's own advice when it gives one.</summary>
public static class HistogramBuckets
{
    /// <summary>
    /// For durations in seconds without advice: the boundaries ASP.NET Core advises for
    /// <c>http.server.request.duration</c>, fine enough below a second to place a 200 ms SLO.
    /// </summary>
    public static readonly double[] Seconds = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    /// <summary>The OpenTelemetry SDK's default explicit boundaries, for any other unit without advice.</summary>
    public static readonly double[] Default = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    public static double[] For(Instrument instrument)
    {
        var advised = instrument switch
        {
            Histogram<double> histogram => histogram.Advice?.HistogramBucketBoundaries?.ToArray(),
            Histogram<float> histogram => histogram.Advice?.HistogramBucketBoundaries?.Select(bound => (double)bound).ToArray(),
            Histogram<long> histogram => histogram.Advice?.HistogramBucketBoundaries?.Select(bound => (double)bound).ToArray(),
            Histogram<int> histogram => histogram.Advice?.HistogramBucketBoundaries?.Select(bound => (double)bound).ToArray(),
            _ => null,
        };

        if (advised is { Length: > 0 })
        {
            Array.Sort(advised);
            return advised;
        }

        return instrument.Unit == "s" ? Seconds : Default;
    }
}
