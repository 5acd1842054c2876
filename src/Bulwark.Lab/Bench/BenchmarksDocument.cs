using System.Text;
using System.Text.Json;
using Bulwark.Lab.Chaos;
using Bulwark.Lab.Reports;
using Bulwark.Lab.Sale;

namespace Bulwark.Lab.Bench;

/// <summary>
/// Writes <c>docs/benchmarks.md</c> from the lab's results. The lab owns the parts between
/// <c>&lt;!-- lab:begin NAME --&gt;</c> and <c>&lt;!-- lab:end NAME --&gt;</c> and rewrites them on every
/// run; everything outside the markers is people's writing (the analysis of why a target is missed)
/// and is kept as it is. So no number in the file is typed by hand, and no explanation is lost.
/// </summary>
public static class BenchmarksDocument
{
    public const string BaselineFolder = "baseline";
    public const string BenchFolder = "bench";
    public const string ClusterBenchFolder = "bench-cluster";

    public const string ClusterBenchHeading = "## `lab bench --cluster`: the bench through nginx → shops → PgBouncer → primary + standby";

    public sealed record Results(BaselineReport? Baseline, BenchReport? Bench, IReadOnlyList<ScenarioReport> Incidents, ChaosReport? Chaos = null, SaleReport? Sale = null)
    {
        /// <summary>Incidents replayed on the cluster (<c>lab incident N --cluster</c>, folders <c>cluster-incident-*</c>).</summary>
        public IReadOnlyList<ScenarioReport> Clusters { get; init; } = [];

        /// <summary>The bench run on the cluster (<c>lab bench --cluster</c>, folder <c>bench-cluster</c>).</summary>
        public BenchReport? ClusterBench { get; init; }
    }

    public static async Task<Results> ReadAsync(string resultsRoot, CancellationToken ct)
    {
        async Task<T?> Read<T>(string path) where T : class =>
            File.Exists(path) ? JsonSerializer.Deserialize<T>(await File.ReadAllTextAsync(path, ct), SummaryJson.Options) : null;

        async Task<List<ScenarioReport>> Scenarios(string pattern)
        {
            var found = new List<ScenarioReport>();
            if (Directory.Exists(resultsRoot))
                foreach (var folder in Directory.GetDirectories(resultsRoot, pattern).Order(StringComparer.Ordinal))
                    if (await Read<ScenarioReport>(Path.Combine(folder, "summary.json")) is { } scenario) found.Add(scenario);
            return found;
        }

        var incidents = await Scenarios("incident-*");
        return new Results(
            await Read<BaselineReport>(Path.Combine(resultsRoot, BaselineFolder, "summary.json")),
            await Read<BenchReport>(Path.Combine(resultsRoot, BenchFolder, "summary.json")),
            incidents,
            await Read<ChaosReport>(Path.Combine(resultsRoot, ChaosReport.Folder, "summary.json")),
            await Read<SaleReport>(Path.Combine(resultsRoot, SaleReport.Folder, "summary.json")))
        {
            Clusters = await Scenarios("cluster-incident-*"),
            ClusterBench = await Read<BenchReport>(Path.Combine(resultsRoot, ClusterBenchFolder, "summary.json")),
        };
    }

    /// <summary>The lab-owned sections, in document order.</summary>
    public static IReadOnlyList<(string Name, string Content)> Sections(Results results)
    {
        var capacity = results.Bench?.Modes.GetValueOrDefault("guarded")?.Capacity.CheckoutRps is { IsKnown: true } c ? c.Median : (double?)null;
        return
        [
            ("targets", "## Targets (issue 5) as measured\n\n" +
                "Judged by `lab docs` from the results below (medians of the repeats; \"missed\" is any median or, where the target says \"no\"/\"exactly\", any repeat outside it).\n\n" +
                BenchMarkdown.Targets(TargetCheck.Evaluate(results.Bench, results.Incidents))),
            ("baseline", "## HTTP baseline vs pgbench (issue 2)\n\n" +
                (results.Baseline is null ? "Not measured yet: run `lab baseline` (or `bench/http-baseline.sh`).\n\n" : BenchMarkdown.Baseline(results.Baseline))),
            ("bench", "## `lab bench`: ceiling, capacity at SLO, overload sweep, recovery, hot SKU (issues 3 and 5)\n\n" +
                (results.Bench is null ? "Not measured yet: run `lab bench`.\n\n" : BenchMarkdown.Bench(results.Bench))),
            ("incidents", "## `lab incident all`: naive vs guarded\n\n" +
                (results.Incidents.Count == 0 ? "Not measured yet: run `lab incident all`.\n\n" : BenchMarkdown.Incidents(results.Incidents, capacity))),
            ("chaos", ChaosMarkdown.Heading + "\n\n" +
                (results.Chaos is null ? "Not measured yet: run `lab chaos`.\n\n" : ChaosMarkdown.Render(results.Chaos))),
            ("sale", SaleMarkdown.Heading + "\n\n" +
                (results.Sale is null ? "Not measured yet: run `lab sale`.\n\n" : SaleMarkdown.Render(results.Sale))),
            ("cluster", ClusterMarkdown.Heading + "\n\n" +
                (results.Clusters.Count == 0 ? "Not measured yet: run `lab incident 2 --cluster` and `lab incident 5 --cluster`.\n\n" : ClusterSection(results.Clusters))),
            ("bench-cluster", ClusterBenchHeading + "\n\n" +
                (results.ClusterBench is null ? "Not measured yet: run `lab bench --cluster`.\n\n" : BenchMarkdown.ClusterBench(results.ClusterBench))),
        ];
    }

    /// <summary>
    /// Whether <paramref name="results"/> hold what a section is written from. A results folder holds what was
    /// run there (a session that ran only <c>lab chaos</c> has no bench), and a section already measured in
    /// the document must not turn back into "not measured yet" for that.
    /// </summary>
    public static bool HasResults(string section, Results results) => section switch
    {
        "targets" or "bench" => results.Bench is not null,
        "baseline" => results.Baseline is not null,
        "incidents" => results.Incidents.Count > 0,
        "chaos" => results.Chaos is not null,
        "sale" => results.Sale is not null,
        "cluster" => results.Clusters.Count > 0,
        "bench-cluster" => results.ClusterBench is not null,
        _ => true,
    };

    /// <summary>Each cluster replay: what ran, when and where, then its cluster tables.</summary>
    static string ClusterSection(IReadOnlyList<ScenarioReport> clusters)
    {
        var md = new StringBuilder();
        md.AppendLine("Each mode brings up its own cluster on loopback (3 instances unless `--instances`), runs the incident's load through nginx and takes " +
                      "the cluster down. The guarded run also SIGKILLs one instance at 40 % of the load and stops the standby at 70 %. On a shared " +
                      "2-core machine throughput does not grow with instances: read these for correctness, the budget and the read offload.").AppendLine();
        foreach (var report in clusters)
        {
            var s = report.Scenario;
            md.AppendLine($"### {s.Title}").AppendLine();
            md.AppendLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"`{s.Name}`, {s.DurationSeconds:0} s of load, seed {s.Seed}; started {s.StartedAt:u} on {s.Machine.Cores} cores, commit {s.Machine.Commit ?? "unknown"}. " +
                $"Load average at the start: {string.Join(", ", report.Modes.Select(m => $"{m.Key} {m.Value.LoadAverageAtStart:0.0}"))}.")).AppendLine();
            foreach (var (mode, m) in report.Modes.Where(m => m.Value.Failure is not null))
                md.AppendLine($"- **{mode} did not complete:** {m.Failure}");
            md.Append(ClusterMarkdown.Render(report, "####"));
        }
        return md.ToString();
    }

    /// <summary>
    /// Replaces each section's content between its markers in <paramref name="existing"/>; a section
    /// whose markers are missing is appended at the end. Text outside the markers is kept byte for byte.
    /// </summary>
    public static string Render(string? existing, IReadOnlyList<(string Name, string Content)> sections)
    {
        var document = existing ?? "";
        foreach (var (name, content) in sections)
        {
            var begin = $"<!-- lab:begin {name} -->";
            var end = $"<!-- lab:end {name} -->";
            var block = $"{begin}\n{content.TrimEnd()}\n{end}";
            var start = document.IndexOf(begin, StringComparison.Ordinal);
            var stop = start < 0 ? -1 : document.IndexOf(end, start, StringComparison.Ordinal);
            if (start >= 0 && stop >= 0)
                document = document[..start] + block + document[(stop + end.Length)..];
            else
                document = (document.Length == 0 || document.EndsWith("\n\n", StringComparison.Ordinal) ? document : document.TrimEnd() + "\n\n") + block + "\n";
        }
        return document;
    }

    public static async Task<string> WriteAsync(string resultsRoot, string documentPath, CancellationToken ct)
    {
        var results = await ReadAsync(resultsRoot, ct);
        var existing = File.Exists(documentPath) ? await File.ReadAllTextAsync(documentPath, ct) : Skeleton;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(documentPath))!);
        var sections = Sections(results).Where(s => HasResults(s.Name, results) || !existing.Contains($"<!-- lab:begin {s.Name} -->", StringComparison.Ordinal)).ToList();
        await File.WriteAllTextAsync(documentPath, Render(existing, sections), ct);
        return documentPath;
    }

    /// <summary>The first version of the file: title and how to reproduce; the lab's sections are appended after it.</summary>
    static string Skeleton => new StringBuilder()
        .AppendLine("# Bulwark benchmarks")
        .AppendLine()
        .AppendLine("Every number below is written by the load lab (`lab docs`) from `lab-results/*/summary.json`; text outside the")
        .AppendLine("`lab:begin`/`lab:end` markers is written by people and kept when the lab rewrites the file.")
        .AppendLine()
        .ToString();
}
