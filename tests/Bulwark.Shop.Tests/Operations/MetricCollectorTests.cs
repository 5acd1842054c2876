using System.Diagnostics.Metrics;
using Bulwark.Shop.Operations.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Shop.Tests.Operations;

public sealed class MetricCollectorTests
{
    private readonly string _meterName = $"Test.Collector.{Guid.NewGuid():N}";

    [Fact]
    public void Meters_of_another_hosts_factory_are_ignored_and_this_hosts_and_static_meters_are_collected()
    {
        using var ours = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var theirs = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var ourFactory = ours.GetRequiredService<IMeterFactory>();
        using var collector = new MetricCollector([_meterName], ourFactory);

        ourFactory.Create(_meterName).CreateCounter<long>("requests.ours").Add(1);
        theirs.GetRequiredService<IMeterFactory>().Create(_meterName).CreateCounter<long>("requests.theirs").Add(1);
        using var shared = new Meter(_meterName);
        shared.CreateCounter<long>("requests.shared").Add(1);

        var names = collector.Collect().Instruments.Select(instrument => instrument.Name).ToHashSet();

        Assert.Equal(["requests.ours", "requests.shared"], names.Order());
    }

    [Fact]
    public void A_disposed_meters_instruments_disappear_from_the_collection()
    {
        using var collector = new MetricCollector([_meterName]);
        var meter = new Meter(_meterName);
        meter.CreateCounter<long>("short.lived").Add(1);
        Assert.True(collector.Collect().Has("short.lived"));

        meter.Dispose();

        Assert.False(collector.Collect().Has("short.lived"));
    }

    [Fact]
    public void Instruments_published_before_the_collector_started_are_collected_from_then_on()
    {
        using var meter = new Meter(_meterName);
        var counter = meter.CreateCounter<long>("early.counter");
        counter.Add(5); // before anyone listened: lost, as with any listener

        using var collector = new MetricCollector([_meterName]);
        counter.Add(2);

        Assert.Equal(2, collector.Collect().Sum("early.counter"));
    }

    [Fact]
    public void Histograms_use_the_instruments_advised_boundaries_else_second_buckets_for_durations()
    {
        using var meter = new Meter(_meterName);
        using var collector = new MetricCollector([_meterName]);
        meter.CreateHistogram<double>("advised", "s", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2] }).Record(1.5);
        meter.CreateHistogram<double>("seconds", "s").Record(0.2);
        meter.CreateHistogram<long>("sizes", "By").Record(300);

        var metrics = collector.Collect();

        Assert.Equal([1.0, 2.0], metrics.Points("advised").Single().Histogram!.Bounds);
        Assert.Equal(HistogramBuckets.Seconds, metrics.Points("seconds").Single().Histogram!.Bounds);
        Assert.Equal(HistogramBuckets.Default, metrics.Points("sizes").Single().Histogram!.Bounds);
        Assert.Equal([0L, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], metrics.Points("sizes").Single().Histogram!.Counts);
    }

    [Fact]
    public void Measurements_from_many_threads_are_all_counted()
    {
        using var meter = new Meter(_meterName);
        using var collector = new MetricCollector([_meterName]);
        var counter = meter.CreateCounter<long>("parallel.adds");
        var histogram = meter.CreateHistogram<double>("parallel.records", "s");

        Parallel.For(0, 10_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            counter.Add(1, new KeyValuePair<string, object?>("shard", i % 4));
            histogram.Record(0.001, new KeyValuePair<string, object?>("shard", i % 4));
        });

        var metrics = collector.Collect();
        Assert.Equal(10_000, metrics.Sum("parallel.adds"));
        Assert.Equal(10_000, metrics.Histogram("parallel.records")!.Count);
    }
}
