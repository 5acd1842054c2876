using System.Globalization;
using Bulwark.Lab.Load;
using Bulwark.Lab.Metrics;

namespace Bulwark.Lab.Cluster;

/// <summary>
/// What the lab watches on the cluster while a load runs: every instance's <c>/metrics</c> scraped straight once a
/// second (nginx would pick one at random), the primary's connections every 500 ms, and every answer tallied by
/// origin (fed by <see cref="RunRecorder.OnCompleted"/>). One per incident run, or one per bench step, so each
/// step's figures are its own.
/// </summary>
public sealed class ClusterObservation(ClusterManifest manifest, TimeProvider time) : IAsyncDisposable
{
    readonly IReadOnlyList<MetricsScraper> _scrapers = [.. manifest.Instances.Select(i => new MetricsScraper(new Uri(i.Url), time))];
    readonly ConnectionSampler _connections = new(manifest.Primary!, time);

    public AnswerTally Answers { get; } = new();

    /// <summary>Instance 1's scraper, for the live display (one instance's pool, said so by the display's title).</summary>
    public MetricsScraper FirstScraper => _scrapers[0];

    /// <summary>Scrapes and samples until <paramref name="ct"/> fires; times are from <paramref name="runStart"/>.</summary>
    public Task RunAsync(long runStart, CancellationToken ct) =>
        Task.WhenAll([.. _scrapers.Select(s => s.RunAsync(runStart, TimeSpan.FromSeconds(1), ct)), _connections.RunAsync(runStart, ct)]);

    /// <summary>Each instance's load; the one killed at <paramref name="killedAt"/> (if any) is marked.</summary>
    public IReadOnlyList<InstanceLoad> PerInstance(int? killedIndex = null, double? killedAt = null) =>
        [.. manifest.Instances.Select((instance, i) => InstanceLoad.From(instance.Url, _scrapers[i].Samples, i == killedIndex ? killedAt : null))];

    /// <summary>The cluster's pool as one series (<see cref="InstanceLoad.Merge"/>).</summary>
    public IReadOnlyList<PoolSample> Pool() => InstanceLoad.Merge([.. _scrapers.Select(s => s.Samples)]);

    public ConnectionReport Connections() => ConnectionReport.Of(_connections.Samples, manifest.Budget, ClusterLauncher.MaxConnections);

    public int ScrapeFailures => _scrapers.Sum(s => s.Failures);

    /// <summary>Notes about how the cluster was observed (failed scrapes, samples).</summary>
    public IEnumerable<string> Notes(bool instanceKilled)
    {
        if (ScrapeFailures > 0)
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{ScrapeFailures} per-instance /metrics scrapes failed (no answer within 0.9 s from a busy instance{(instanceKilled ? ", or from the killed one" : "")}).");
        if (_connections.Failures > 0) yield return $"{_connections.Failures} pg_stat_activity samples failed (last: {_connections.LastError}).";
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var scraper in _scrapers) await scraper.DisposeAsync();
    }
}
