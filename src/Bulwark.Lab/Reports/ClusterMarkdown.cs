using System.Globalization;
using System.Text;
using Bulwark.Lab.Cluster;

namespace Bulwark.Lab.Reports;

/// <summary>
/// The cluster's part of a scenario's <c>summary.md</c>, and of <c>docs/benchmarks.md</c>'s "Cluster" section:
/// the modes side by side (answers by origin, per-instance load, read offload, connections against the
/// budget), the connections over time, every answer by status and origin, and the guarded run's faults.
/// </summary>
public static class ClusterMarkdown
{
    public const string Heading = "## `lab incident 2|5 --cluster`: nginx → shops → PgBouncer → primary + standby";

    /// <summary>Width of a row of the connection timeline.</summary>
    const int WindowSeconds = 5;

    public static string Render(ScenarioReport report, string headingLevel = "##")
    {
        var modes = report.Modes.Where(m => m.Value.Cluster is not null).Select(m => m.Key).ToList();
        if (modes.Count == 0) return "";
        var md = new StringBuilder();
        ModeReport M(string mode) => report.Modes[mode];
        ClusterRunReport C(string mode) => report.Modes[mode].Cluster!;

        md.AppendLine($"{headingLevel} On the cluster").AppendLine();
        md.AppendLine("| | " + string.Join(" | ", modes) + " |");
        md.AppendLine("| --- | " + string.Join(" | ", modes.Select(_ => "---")) + " |");
        void Row(string label, Func<string, string> cell) => md.AppendLine($"| {label} | " + string.Join(" | ", modes.Select(m => Escape(cell(m)))) + " |");
        Row("shops", m => C(m).Deploy);
        Row("nginx", m => C(m).Proxy);
        Row("checkout goodput (req/s)", m => Invariant($"{M(m).CheckoutGoodputRps:0.0}"));
        Row("goodput, all classes (req/s)", m => Invariant($"{M(m).GoodputRps:0.0}"));
        Row("answers by nginx itself (its 502/504 pages)", m => Invariant($"{C(m).ProxyAnswers}") + ByStatus(C(m), AnswerOrigin.Proxy));
        Row("answers by the shops", m => Invariant($"{Origin(C(m), AnswerOrigin.Shop)}"));
        Row("no answer (lab's timeout, reset)", m => Invariant($"{Origin(C(m), AnswerOrigin.None)}"));
        Row("requests/s per instance (own /metrics)", m => string.Join(" / ", C(m).PerInstance.Select(i => Invariant($"{i.RequestsPerSecond:0.0}") + (i.KilledAtSeconds is { } k ? Invariant($" (killed at {k:0} s)") : ""))));
        Row("catalog reads on the standby / the primary", m => Invariant($"{C(m).CatalogReadsStandby:0} / {C(m).CatalogReadsPrimary:0}") + Share(C(m)));
        Row("pooled server connections, peak (budget)", m => Invariant($"{C(m).Connections.MaxPooled} ({C(m).Connections.Budget})"));
        Row("samples above the budget", m => Invariant($"{C(m).Connections.OverBudget} of {C(m).Connections.Samples}"));
        Row("all client backends, peak (max_connections)", m => Invariant($"{C(m).Connections.MaxClientBackends} ({C(m).Connections.ServerMaxConnections})"));
        Row("shops' direct sessions, peak", m => Invariant($"{C(m).Connections.MaxDirect}"));
        Row("nginx may retry a POST", m => C(m).ProxyRetriesPosts ? "yes" : "no");
        md.AppendLine();
        md.AppendLine("Pooled connections are the primary's client backends (`pg_stat_activity`, sampled every 500 ms) other than the shops' direct " +
                      "sessions (migration lock, LISTEN) and the lab's own; behind PgBouncer they are its server connections. Requests per instance count " +
                      "the lab's once-a-second scrape too; an instance's rate is over the time it was observed.").AppendLine();

        ProxyErrors(md, modes, C, headingLevel);
        Timeline(md, report, modes, headingLevel);
        Answers(md, modes, C, headingLevel);
        Faults(md, modes, C, headingLevel);
        return md.ToString();
    }

    static void Timeline(StringBuilder md, ScenarioReport report, IReadOnlyList<string> modes, string headingLevel)
    {
        md.AppendLine($"{headingLevel}# Server connections over time").AppendLine();
        md.AppendLine(Invariant($"Per {WindowSeconds} s of the load: the most pooled connections on the primary (and the instances the shared budget counted, where it is shared)."))
            .AppendLine();
        md.AppendLine("| seconds | " + string.Join(" | ", modes.Select(m => $"{m} pooled (instances)")) + " |");
        md.AppendLine("| --- | " + string.Join(" | ", modes.Select(_ => "---:")) + " |");
        var end = (int)Math.Ceiling(modes.Max(m => report.Modes[m].Cluster!.Connections.Timeline.Select(s => s.AtSeconds).DefaultIfEmpty(0).Max()));
        for (var from = 0; from <= end; from += WindowSeconds)
        {
            var cells = modes.Select(m =>
            {
                var window = report.Modes[m].Cluster!.Connections.Timeline.Where(s => s.AtSeconds >= from && s.AtSeconds < from + WindowSeconds).ToList();
                if (window.Count == 0) return "–";
                var instances = window.Select(s => s.Instances).OfType<int>().ToList();
                var counted = instances.Count == 0 ? ""
                    : instances.Min() == instances.Max() ? Invariant($" ({instances[0]})")
                    : Invariant($" ({instances.Max()}→{instances.Min()})");
                return Invariant($"{window.Max(s => s.Pooled)}") + counted;
            });
            md.AppendLine(Invariant($"| {from}–{from + WindowSeconds} | ") + string.Join(" | ", cells) + " |");
        }
        md.AppendLine();
    }

    static void ProxyErrors(StringBuilder md, IReadOnlyList<string> modes, Func<string, ClusterRunReport> cluster, string headingLevel)
    {
        var logged = modes.Where(m => cluster(m).ProxyErrors is { Count: > 0 }).ToList();
        if (logged.Count == 0) return;
        md.AppendLine($"{headingLevel}# Why nginx answered: its error log").AppendLine();
        md.AppendLine("| message | " + string.Join(" | ", modes) + " |");
        md.AppendLine("| --- | " + string.Join(" | ", modes.Select(_ => "---:")) + " |");
        var messages = logged.SelectMany(m => cluster(m).ProxyErrors!).GroupBy(e => e.Key).OrderByDescending(g => g.Sum(e => e.Value)).Select(g => g.Key);
        foreach (var message in messages)
            md.AppendLine($"| {Escape(message)} | " + string.Join(" | ", modes.Select(m => (cluster(m).ProxyErrors?.GetValueOrDefault(message) ?? 0).ToString(CultureInfo.InvariantCulture))) + " |");
        md.AppendLine();
    }

    static void Answers(StringBuilder md, IReadOnlyList<string> modes, Func<string, ClusterRunReport> cluster, string headingLevel)
    {
        md.AppendLine($"{headingLevel}# Answers by status and origin").AppendLine();
        md.AppendLine("| class | status | from | " + string.Join(" | ", modes) + " |");
        md.AppendLine("| --- | ---: | --- | " + string.Join(" | ", modes.Select(_ => "---:")) + " |");
        var keys = modes.SelectMany(m => cluster(m).Answers.Select(a => (a.Class, a.Status, a.Origin))).Distinct()
            .OrderBy(k => k.Class, StringComparer.Ordinal).ThenBy(k => k.Status ?? 0).ThenBy(k => k.Origin, StringComparer.Ordinal);
        foreach (var (cls, status, origin) in keys)
        {
            var cells = modes.Select(m => cluster(m).Answers.FirstOrDefault(a => a.Class == cls && a.Status == status && a.Origin == origin)?.Count ?? 0);
            md.AppendLine($"| {cls} | {(status is { } s ? s.ToString(CultureInfo.InvariantCulture) : "–")} | {origin} | " + string.Join(" | ", cells.Select(c => c.ToString(CultureInfo.InvariantCulture))) + " |");
        }
        md.AppendLine();
    }

    static void Faults(StringBuilder md, IReadOnlyList<string> modes, Func<string, ClusterRunReport> cluster, string headingLevel)
    {
        var faulted = modes.Where(m => cluster(m).Faults.Count > 0).ToList();
        if (faulted.Count == 0) return;
        md.AppendLine($"{headingLevel}# Faults during the run").AppendLine();
        foreach (var mode in faulted)
            foreach (var fault in cluster(mode).Faults)
            {
                md.AppendLine(Invariant($"- **{mode}, {fault.Fault} at {fault.AtSeconds:0.0} s: {(fault.Passed ? "passed" : "FAILED")}**"));
                foreach (var finding in fault.Findings) md.AppendLine($"  - {Escape(finding)}");
            }
        md.AppendLine();
    }

    static long Origin(ClusterRunReport cluster, AnswerOrigin origin) => cluster.Answers.Where(a => a.Origin == origin.Key()).Sum(a => a.Count);

    static string ByStatus(ClusterRunReport cluster, AnswerOrigin origin)
    {
        var statuses = cluster.Answers.Where(a => a.Origin == origin.Key()).GroupBy(a => a.Status).OrderBy(g => g.Key)
            .Select(g => Invariant($"{g.Key}: {g.Sum(a => a.Count)}")).ToList();
        return statuses.Count == 0 ? "" : $" ({string.Join(", ", statuses)})";
    }

    static string Share(ClusterRunReport cluster)
    {
        var total = cluster.CatalogReadsStandby + cluster.CatalogReadsPrimary;
        return total > 0 ? Invariant($" ({100 * cluster.CatalogReadsStandby / total:0}% on the standby)") : "";
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    static string Escape(string text) => text.Replace("|", "\\|").Replace("\r", "").Replace("\n", " ");
}
