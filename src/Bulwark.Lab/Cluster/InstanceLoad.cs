using Bulwark.Lab.Metrics;

namespace Bulwark.Lab.Cluster;

/// <summary>
/// What one instance served during a run, from its own <c>/metrics</c> (scraped straight, not through nginx):
/// the increase of its request counter and of its catalog reads by source between its first and last
/// successful scrape. The lab's once-a-second scrape is one of the requests counted.
/// </summary>
public sealed record InstanceLoad(
    string Url,
    double Requests,
    double Seconds,
    double RequestsPerSecond,
    double CatalogReadsStandby,
    double CatalogReadsPrimary,
    double? KilledAtSeconds = null)
{
    public static InstanceLoad From(string url, IReadOnlyList<PoolSample> samples, double? killedAtSeconds = null)
    {
        var ordered = samples.OrderBy(s => s.At).ToList();
        if (ordered.Count < 2) return new InstanceLoad(url, 0, 0, 0, 0, 0, killedAtSeconds);
        var (first, last) = (ordered[0], ordered[^1]);
        var seconds = (last.At - first.At).TotalSeconds;
        var requests = Increase(first.RequestsTotal, last.RequestsTotal);
        return new InstanceLoad(url, requests, seconds, seconds > 0 ? requests / seconds : 0,
            Increase(first.CatalogReadsStandby, last.CatalogReadsStandby),
            Increase(first.CatalogReadsPrimary, last.CatalogReadsPrimary),
            killedAtSeconds);
    }

    /// <summary>A counter's growth; a series not exported yet counts from zero (it appears with its first increment).</summary>
    static double Increase(double? first, double? last) => Math.Max(0, (last ?? 0) - (first ?? 0));

    /// <summary>
    /// The cluster's pool as one: per second, the latest sample of each instance added up (connections in use,
    /// the pool's size, waiters, the adaptive limits, the counters), so the report's pool charts show the whole
    /// cluster. An instance not scraped in a second adds nothing to its gauges but keeps its counters at their
    /// last value, so a killed instance does not make the cluster's counters fall (read as a restart) or jump.
    /// </summary>
    public static IReadOnlyList<PoolSample> Merge(IReadOnlyList<IReadOnlyList<PoolSample>> instances)
    {
        var perInstance = instances
            .Select(samples => samples.GroupBy(s => (int)s.At.TotalSeconds).ToDictionary(g => g.Key, g => g.MaxBy(s => s.At)!))
            .ToList();
        var seconds = perInstance.SelectMany(d => d.Keys).Distinct().Order().ToList();
        var lastSeen = new PoolSample?[perInstance.Count];
        var merged = new List<PoolSample>();
        foreach (var second in seconds)
        {
            var now = new List<PoolSample>();
            for (var i = 0; i < perInstance.Count; i++)
            {
                if (perInstance[i].TryGetValue(second, out var sample))
                {
                    now.Add(sample);
                    lastSeen[i] = sample;
                }
            }
            var counters = lastSeen.OfType<PoolSample>().ToList();
            merged.Add(new PoolSample(
                now.Max(s => s.At),
                Sum(now, s => s.Used),
                Sum(now, s => s.Idle),
                Sum(now, s => s.Max),
                Sum(now, s => s.Pending),
                Sum(now, s => s.Limit),
                Sum(counters, s => s.RejectedTotal),
                Sum(counters, s => s.TimeoutsTotal),
                Sum(counters, s => s.CriticalRejectedTotal))
            {
                RequestsTotal = Sum(counters, s => s.RequestsTotal),
                CatalogReadsStandby = Sum(counters, s => s.CatalogReadsStandby),
                CatalogReadsPrimary = Sum(counters, s => s.CatalogReadsPrimary),
            });
        }
        return merged;
    }

    static double? Sum(List<PoolSample> samples, Func<PoolSample, double?> pick) =>
        samples.Select(pick).Where(v => v is not null).Aggregate((double?)null, (total, v) => (total ?? 0) + v);
}
