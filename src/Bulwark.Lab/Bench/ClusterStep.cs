using Bulwark.Lab.Cluster;
using Bulwark.Lab.Load;

namespace Bulwark.Lab.Bench;

/// <summary>
/// One bench step (one repeat) observed on the cluster (<c>lab bench --cluster</c>): each instance's requests/s from
/// its own <c>/metrics</c>, where catalog reads ran, the primary's pooled server connections against the shared
/// budget (peak and per window of the step), and who answered: the shops or nginx itself.
/// </summary>
/// <param name="Valid">Whether the step's generator kept up (an invalid step still shows the budget and the origins).</param>
/// <param name="PooledPerWindow">
/// The most pooled connections in each <paramref name="WindowSeconds"/> observed (0 where no sample came): the step, then (the
/// last step's calm tail and) the drain of answers still in flight, where a stalled shop's connections stay taken.
/// </param>
/// <param name="ProxyByStatus">nginx's own answers by status ("502", "504").</param>
public sealed record ClusterStep(
    bool Valid,
    IReadOnlyList<InstanceLoad> PerInstance,
    double CatalogReadsStandby,
    double CatalogReadsPrimary,
    int Budget,
    int Samples,
    int MaxPooled,
    int OverBudget,
    int MaxClientBackends,
    int ServerMaxConnections,
    double WindowSeconds,
    IReadOnlyList<int> PooledPerWindow,
    long ShopAnswers,
    long ProxyAnswers,
    IReadOnlyDictionary<string, long> ProxyByStatus,
    long NoAnswer,
    int ScrapeFailures)
{
    /// <summary>A step's connection timeline is cut into about this many windows (at least a second each), so a long drain stays one row.</summary>
    public const int Windows = 10;

    /// <summary>Share of catalog reads the standby served; NaN when there were none.</summary>
    public double StandbyShare => CatalogReadsStandby + CatalogReadsPrimary is var total and > 0 ? CatalogReadsStandby / total : double.NaN;

    public static ClusterStep From(bool valid, IReadOnlyList<InstanceLoad> perInstance, ConnectionReport connections, IReadOnlyList<AnswerTally.Answer> answers,
        double stepSeconds, int scrapeFailures)
    {
        var end = connections.Timeline.Select(s => s.AtSeconds).DefaultIfEmpty(0).Max();
        var window = Math.Max(1, Math.Ceiling(Math.Max(stepSeconds, end) / Windows));
        var perWindow = new int[(int)(end / window) + 1];
        foreach (var sample in connections.Timeline)
        {
            var i = (int)(sample.AtSeconds / window);
            perWindow[i] = Math.Max(perWindow[i], sample.Pooled);
        }
        var proxied = answers.Where(a => a.Origin == AnswerOrigin.Proxy).ToList();
        return new ClusterStep(
            valid,
            perInstance,
            perInstance.Sum(i => i.CatalogReadsStandby),
            perInstance.Sum(i => i.CatalogReadsPrimary),
            connections.Budget,
            connections.Samples,
            connections.MaxPooled,
            connections.OverBudget,
            connections.MaxClientBackends,
            connections.ServerMaxConnections,
            window,
            connections.Timeline.Count == 0 ? [] : perWindow,
            answers.LongCount(a => a.Origin == AnswerOrigin.Shop),
            proxied.Count,
            proxied.GroupBy(a => a.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none")
                .OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.LongCount()),
            answers.LongCount(a => a.Origin == AnswerOrigin.None),
            scrapeFailures);
    }
}

/// <summary>How a mode's cluster was deployed for the bench, in words (the incidents' cluster report says the same).</summary>
public sealed record BenchClusterSetup(int Instances, string Deploy, string Proxy, bool ProxyRetriesPosts);
