using System.Globalization;
using System.Net;
using System.Text;

namespace Bulwark.Lab.Reports;

/// <summary>
/// <c>report.html</c>: one self-contained page (inline CSS and SVG, no script, nothing fetched) with
/// the side-by-side table and time-series charts of throughput, latency, pool use and shedding.
/// </summary>
public static class HtmlReport
{
    static readonly Dictionary<string, string> ModeColors = new()
    {
        ["naive"] = "#d62728",
        ["guarded"] = "#1f77b4",
    };

    static readonly string[] SpareColors = ["#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

    public static string Render(ScenarioReport report)
    {
        var s = report.Scenario;
        var modes = report.Modes.ToList();
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append($"<title>{Html(s.Title)}</title><style>{Style}</style></head><body>");
        html.Append($"<h1>{Html(s.Title)}</h1>");
        html.Append($"<p><strong>Trigger:</strong> {Html(s.Trigger)}</p>");
        if (s.Description.Length > 0) html.Append($"<p>{Html(s.Description)}</p>");
        html.Append(Invariant($"<p class=\"meta\">Scenario <code>{Html(s.Name)}</code> · {s.DurationSeconds:0} s of load · seed {s.Seed} · SLO {s.SloMs:0} ms · deadline {s.DeadlineMs:0} ms · {Html(s.Machine.Os)}, {s.Machine.Cores} cores, {Html(s.Machine.Runtime)} · {s.StartedAt:u}</p>"));

        // The markdown table is the single source of the summary's wording; render the same rows here.
        html.Append("<table><thead><tr><th></th>");
        foreach (var (name, _) in modes) html.Append($"<th>{Html(name)}</th>");
        html.Append("</tr></thead><tbody>");
        Row(html, modes, "goodput (2xx within SLO, req/s)", m => m.GoodputRps.ToString("0.0", CultureInfo.InvariantCulture));
        Row(html, modes, "checkout goodput (req/s)", m => m.CheckoutGoodputRps.ToString("0.0", CultureInfo.InvariantCulture));
        Row(html, modes, "p99 of successes (ms)", m => m.P99Ms.ToString("0.0", CultureInfo.InvariantCulture));
        Row(html, modes, "p99 of all answers (ms)", m => m.P99AllMs.ToString("0.0", CultureInfo.InvariantCulture));
        Row(html, modes, "errors", m => Count(m.Errors));
        Row(html, modes, "shed (503)", m => Count(m.Shed));
        Row(html, modes, "rate-limited (429)", m => Count(m.Limited));
        Row(html, modes, "timeouts", m => Count(m.Timeouts));
        Row(html, modes, "slower than deadline", m => Count(m.SlowerThanDeadline));
        Row(html, modes, "dropped by the generator", m => Count(m.DroppedByGenerator));
        Row(html, modes, "orders paid", m => Count(m.OrdersPaid));
        Row(html, modes, "oversold units", m => Count(m.Oversold));
        Row(html, modes, "alerts fired", m => string.Join(", ", m.Alerts.Where(a => a.FiredAtSeconds is not null)
            .Select(a => Invariant($"{a.Name} at {a.FiredAtSeconds:0} s"))) is { Length: > 0 } fired ? fired : "none");
        html.Append("</tbody></table>");

        var markers = modes.SelectMany(m => m.Value.Events).DistinctBy(e => e.Description)
            .Select(e => new ChartMarker(e.AtSeconds, e.Description.Length > 40 ? e.Description[..40] + "…" : e.Description)).ToList();
        markers.AddRange(PhaseMarkers(s));

        html.Append("<h2>Throughput</h2>");
        html.Append(SvgLineChart.Render("Goodput: 2xx within SLO per second", "req/s",
            [.. Lines(modes, m => m.Series.GoodputRps.Select(v => (double?)v)), OfferedLine(modes)], markers));
        html.Append(SvgLineChart.Render("Checkout goodput per second", "orders/s",
            [.. Lines(modes, m => m.Series.CheckoutGoodputRps.Select(v => (double?)v))], markers));
        html.Append(SvgLineChart.Render("Answers per second (any status)", "req/s",
            [.. Lines(modes, m => m.Series.ThroughputRps.Select(v => (double?)v))], markers));

        html.Append("<h2>Latency</h2>");
        html.Append(SvgLineChart.Render("p99 latency of answers completing each second (log scale)", "ms",
            [.. Lines(modes, m => m.Series.P99Ms.Select(v => v > 0 ? v : (double?)null))], markers, logScale: true));
        html.Append(SvgLineChart.Render("Checkout p99 latency per second (log scale)", "ms",
            [.. Lines(modes, m => m.Series.CheckoutP99Ms.Select(v => v > 0 ? v : (double?)null))], markers, logScale: true));

        html.Append("<h2>Database pool</h2>");
        html.Append(SvgLineChart.Render("Pool connections in use (dashed: pool maximum)", "connections",
            [.. Lines(modes, m => m.Series.PoolUsed), .. Lines(modes, m => m.Series.PoolMax, dashed: true, suffix: " max")], markers));
        html.Append(SvgLineChart.Render("Requests waiting for a connection (dashed: adaptive limit)", "requests",
            [.. Lines(modes, m => m.Series.PoolPending), .. Lines(modes, m => m.Series.DbLimit, dashed: true, suffix: " limit")], markers));

        if (modes.Any(m => m.Value.Cluster is not null))
        {
            html.Append("<h2>Cluster: server connections on the primary</h2>");
            html.Append(SvgLineChart.Render("Pooled server connections, most per second (dashed: the budget the instances share)", "connections",
                [
                    .. Lines(modes, m => m.Cluster?.Connections.PooledPerSecond() ?? []),
                    .. Lines(modes, m => m.Cluster is { } c ? c.Connections.PooledPerSecond().Select(_ => (double?)c.Connections.Budget) : [], dashed: true, suffix: " budget"),
                ], markers));
            html.Append("<p>Answers, instances, reads and faults: see <code>summary.md</code> (\"On the cluster\").</p>");
        }

        html.Append("<h2>Shedding and failures</h2>");
        html.Append(SvgLineChart.Render("Shed (503) per second (dashed: admission rejections)", "req/s",
            [.. Lines(modes, m => m.Series.ShedRps.Select(v => (double?)v)), .. Lines(modes, m => m.Series.AdmissionRejectedRps, dashed: true, suffix: " rejected")], markers));
        html.Append(SvgLineChart.Render("Errors and timeouts per second (dashed: timeouts)", "req/s",
            [.. Lines(modes, m => m.Series.ErrorRps.Select(v => (double?)v), suffix: " errors"), .. Lines(modes, m => m.Series.TimeoutRps.Select(v => (double?)v), dashed: true, suffix: " timeouts")], markers));

        if (modes.FirstOrDefault(m => m.Value.Alerting is not null).Value?.Alerting is { } setup)
        {
            html.Append($"<h2>Alerts</h2><p>Raised by {Html(setup.Source)}, from <code>deploy/prometheus/alerts.yml</code> with {Html(setup.Scaling)}. " +
                        "Seconds from the start of the load.</p><table><thead><tr><th>alert</th><th>rule as run</th>");
            foreach (var (name, _) in modes) html.Append($"<th>{Html(name)}</th>");
            html.Append("</tr></thead><tbody>");
            foreach (var (name, condition) in modes.SelectMany(m => m.Value.Alerts.Select(a => (a.Name, a.Condition))).DistinctBy(a => a.Name))
            {
                html.Append($"<tr><td>{Html(name)}</td><td>{Html(condition)}</td>");
                foreach (var (_, mode) in modes)
                {
                    var alert = mode.Alerts.FirstOrDefault(a => a.Name == name);
                    html.Append(alert?.FiredAtSeconds is not null ? "<td class=\"fired\">" : "<td>")
                        .Append(Html(MarkdownSummary.AlertCell(alert, mode.Alerting))).Append("</td>");
                }
                html.Append("</tr>");
            }
            html.Append("</tbody></table>");
        }

        foreach (var (name, mode) in modes.Where(m => m.Value.Events.Count > 0 || m.Value.Notes.Count > 0 || m.Value.Failure is not null))
        {
            html.Append($"<h3>{Html(name)}: events and notes</h3><ul>");
            if (mode.Failure is not null) html.Append($"<li><strong>Did not complete:</strong> {Html(mode.Failure)}</li>");
            foreach (var e in mode.Events) html.Append(Invariant($"<li>at {e.AtSeconds:0.0} s: {Html(e.Description)} → {Html(e.Outcome)}</li>"));
            foreach (var note in mode.Notes) html.Append($"<li>{Html(note)}</li>");
            html.Append("</ul>");
        }

        html.Append("<p class=\"meta\">Latency runs from each request's intended send time (open model: no coordinated omission). ");
        html.Append("Goodput counts 2xx answers within the SLO. Pool series come from the shop's /metrics, scraped every second.</p>");
        html.Append("</body></html>");
        return html.ToString();
    }

    static IEnumerable<ChartMarker> PhaseMarkers(ScenarioInfo s) =>
        s.Phases.Where(p => p.StartSeconds > 0).DistinctBy(p => p.StartSeconds).Select(p => new ChartMarker(p.StartSeconds, p.Name));

    static IEnumerable<ChartLine> Lines(List<KeyValuePair<string, ModeReport>> modes, Func<ModeReport, IEnumerable<double?>> values, bool dashed = false, string suffix = "")
    {
        var spare = 0;
        foreach (var (name, mode) in modes)
        {
            var color = ModeColors.TryGetValue(name, out var known) ? known : SpareColors[spare++ % SpareColors.Length];
            yield return new ChartLine(name + suffix, color, [.. values(mode)], dashed);
        }
    }

    static ChartLine OfferedLine(List<KeyValuePair<string, ModeReport>> modes) =>
        new("offered", "#7f7f7f", [.. modes.First().Value.Series.OfferedRps.Select(v => (double?)v)], Dashed: true);

    static void Row(StringBuilder html, List<KeyValuePair<string, ModeReport>> modes, string label, Func<ModeReport, string> cell)
    {
        html.Append($"<tr><th>{Html(label)}</th>");
        foreach (var (_, mode) in modes) html.Append($"<td>{Html(cell(mode))}</td>");
        html.Append("</tr>");
    }

    static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);

    static string Html(string text) => WebUtility.HtmlEncode(text);

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    const string Style = """
        body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:900px;margin:2em auto;padding:0 1em;color:#222}
        h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}
        table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ddd;padding:4px 10px;text-align:right}
        th:first-child,td:first-child{text-align:left}thead th{background:#f4f4f4}td.fired{color:#b00}
        .meta{color:#666;font-size:.9em}code{background:#f4f4f4;padding:0 3px}
        .chart{display:block;margin:.5em 0 1.2em}.chart-title{font-size:14px;font-weight:600}
        .tick,.legend,.axis-label{font-size:11px;fill:#444}.grid{stroke:#eee}.frame{fill:none;stroke:#999}
        .marker{stroke:#999;stroke-dasharray:2 3}.marker-label{font-size:10px;fill:#777}.empty{font-size:12px;fill:#999}
        """;
}
