using Bulwark.Lab.Bench;
using Bulwark.Lab.Cluster;
using Bulwark.Lab.Reports;
using Bulwark.Lab.Tests.Reports;

namespace Bulwark.Lab.Tests.Cluster;

/// <summary>A cluster replay's report: written beside the single-shop one, read back by <c>lab docs</c> into its own section.</summary>
public sealed class ClusterReportTests
{
    static ClusterRunReport Cluster(bool naive) => new()
    {
        Instances = 3,
        Deploy = naive ? "naive deploy" : "guarded deploy",
        Proxy = naive ? "stock nginx" : "deployed nginx",
        ProxyRetriesPosts = false,
        Answers = naive
            ? [new AnswerCount("checkout", 504, "nginx", 17), new AnswerCount("checkout", 201, "shop", 40)]
            : [new AnswerCount("checkout", 502, "nginx", 2), new AnswerCount("checkout", 201, "shop", 300), new AnswerCount("checkout", 503, "shop", 50)],
        PerInstance = [new InstanceLoad("http://127.0.0.1:1", 600, 60, 10, 100, 5), new InstanceLoad("http://127.0.0.1:2", 300, 20, 15, 60, 2, KilledAtSeconds: 24)],
        CatalogReadsStandby = naive ? 0 : 160,
        CatalogReadsPrimary = naive ? 900 : 7,
        Connections = ConnectionReport.Of(
            [
                new ConnectionSample(0.5, new Dictionary<string, int> { ["bulwark"] = naive ? 97 : 30 }, naive ? null : 3),
                new ConnectionSample(30, new Dictionary<string, int> { ["bulwark"] = naive ? 99 : 38 }, naive ? null : 2),
            ], 40, 100),
        Faults = naive ? [] : [new ClusterFaultOutcome("instance killed", 24, true, ["nginx answered itself after the kill: checkout 502 (nginx) ×2"])],
    };

    static ScenarioReport Report()
    {
        var report = ReportFixtures.Report("Incident 5: flash sale — on the cluster (3 instances behind nginx)");
        return report with
        {
            Scenario = report.Scenario with { Name = "cluster-incident-5" },
            Modes = report.Modes.ToDictionary(m => m.Key, m => m.Value with { Cluster = Cluster(m.Key == "naive") }),
        };
    }

    [Fact]
    public void The_summary_sets_nginxs_answers_instances_reads_and_connections_side_by_side()
    {
        var md = MarkdownSummary.Render(Report());

        Assert.Contains("| answers by nginx itself (its 502/504 pages) | 17 (504: 17) | 2 (502: 2) |", md, StringComparison.Ordinal);
        Assert.Contains("| requests/s per instance (own /metrics) | 10.0 / 15.0 (killed at 24 s) | 10.0 / 15.0 (killed at 24 s) |", md, StringComparison.Ordinal);
        Assert.Contains("| catalog reads on the standby / the primary | 0 / 900 (0% on the standby) | 160 / 7 (96% on the standby) |", md, StringComparison.Ordinal);
        Assert.Contains("| pooled server connections, peak (budget) | 99 (40) | 38 (40) |", md, StringComparison.Ordinal);
        Assert.Contains("| 30–35 | 99 | 38 (2) |", md, StringComparison.Ordinal);
        Assert.Contains("| checkout | 504 | nginx | 17 | 0 |", md, StringComparison.Ordinal);
        Assert.Contains("- **guarded, instance killed at 24.0 s: passed**", md, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lab_docs_reads_cluster_replays_into_their_own_section_not_the_incidents()
    {
        var root = Directory.CreateTempSubdirectory("lab-docs-cluster-").FullName;
        try
        {
            await ReportWriter.WriteAsync(Report(), root, CancellationToken.None);

            var results = await BenchmarksDocument.ReadAsync(root, CancellationToken.None);
            var section = BenchmarksDocument.Sections(results).Single(s => s.Name == "cluster").Content;

            Assert.Empty(results.Incidents);
            Assert.Single(results.Clusters);
            Assert.True(BenchmarksDocument.HasResults("cluster", results));
            Assert.Contains("### Incident 5: flash sale — on the cluster", section, StringComparison.Ordinal);
            Assert.Contains("#### On the cluster", section, StringComparison.Ordinal);
            Assert.Contains("| answers by nginx itself (its 502/504 pages) | 17 (504: 17) | 2 (502: 2) |", section, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
