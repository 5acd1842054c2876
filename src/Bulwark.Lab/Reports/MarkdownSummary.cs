using System.Globalization;
using System.Text;

namespace Bulwark.Lab.Reports;

/// <summary><c>summary.md</c>: the modes side by side, readable in a terminal, a pull request or the docs.</summary>
public static class MarkdownSummary
{
    public static string Render(ScenarioReport report)
    {
        var modes = report.Modes.Keys.ToList();
        var s = report.Scenario;
        var md = new StringBuilder();
        md.AppendLine($"# {Escape(s.Title)}").AppendLine();
        md.AppendLine($"**Trigger:** {Escape(s.Trigger)}").AppendLine();
        if (s.Description.Length > 0) md.AppendLine(Escape(s.Description)).AppendLine();
        md.AppendLine(Invariant($"Scenario `{s.Name}`, {s.DurationSeconds:0} s of load, seed {s.Seed}, SLO {s.SloMs:0} ms, deadline {s.DeadlineMs:0} ms; started {s.StartedAt:u} on {Escape(s.Machine.Os)}, {s.Machine.Cores} cores, {Escape(s.Machine.Runtime)}."));
        md.AppendLine();

        Table(md, "", modes,
        [
            ("goodput (2xx within SLO, req/s)", m => Number(m.GoodputRps, "0.0")),
            ("checkout goodput (req/s)", m => Number(m.CheckoutGoodputRps, "0.0")),
            ("p99 of successes (ms)", m => Number(m.P99Ms, "0.0")),
            ("p99 of all answers (ms)", m => Number(m.P99AllMs, "0.0")),
            ("errors", m => Count(m.Errors)),
            ("shed (503)", m => Count(m.Shed)),
            ("rate-limited (429)", m => Count(m.Limited)),
            ("timeouts", m => Count(m.Timeouts)),
            ("slower than deadline", m => Count(m.SlowerThanDeadline)),
            ("dropped by the generator", m => Count(m.DroppedByGenerator)),
            ("offered", m => Count(m.Offered)),
            ("orders paid", m => Count(m.OrdersPaid)),
            ("oversold units", m => Count(m.Oversold)),
        ], report);

        md.AppendLine("## Per request class").AppendLine();
        md.AppendLine("| class | mode | offered | goodput | shed | limited | sold out | errors | timeouts | dropped | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var classNames = report.Modes.Values.SelectMany(m => m.Classes.Keys).Distinct();
        foreach (var className in classNames)
            foreach (var mode in modes)
            {
                if (!report.Modes[mode].Classes.TryGetValue(className, out var c) || c.Offered == 0) continue;
                var l = c.Latency;
                md.AppendLine(Invariant($"| {className} | {mode} | {c.Offered} | {c.Goodput} | {c.Shed} | {c.Limited} | {c.SoldOut} | {c.Errors} | {c.Timeouts} | {c.Dropped} | {l.P50Ms:0.0} | {l.P90Ms:0.0} | {l.P99Ms:0.0} | {l.P999Ms:0.0} | {l.MaxMs:0.0} |"));
            }
        md.AppendLine();
        md.AppendLine("Latencies run from each request's intended send time and include every answer (503s, errors, and timeouts at the timeout).").AppendLine();

        AppendAlerts(md, report, modes);
        md.Append(ClusterMarkdown.Render(report));

        foreach (var mode in modes)
        {
            var m = report.Modes[mode];
            if (m.Events.Count == 0 && m.Notes.Count == 0 && m.Failure is null) continue;
            md.AppendLine($"## {mode}: events and notes").AppendLine();
            if (m.Failure is not null) md.AppendLine($"- **Did not complete:** {Escape(m.Failure)}");
            foreach (var e in m.Events) md.AppendLine(Invariant($"- at {e.AtSeconds:0.0} s: {Escape(e.Description)} → {Escape(e.Outcome)}"));
            foreach (var note in m.Notes) md.AppendLine($"- {Escape(note)}");
            md.AppendLine();
        }
        return md.ToString();
    }

    /// <summary>The alerts a real Prometheus fired in each mode, how they were observed, and how long after the trigger.</summary>
    static void AppendAlerts(StringBuilder md, ScenarioReport report, IReadOnlyList<string> modes)
    {
        var observed = modes.Where(m => report.Modes[m].Alerting is not null).ToList();
        if (observed.Count == 0) return;
        md.AppendLine("## Alerts that fired").AppendLine();
        var first = report.Modes[observed[0]].Alerting!;
        md.AppendLine($"Raised by {Escape(first.Source)}, from `deploy/prometheus/alerts.yml` with {Escape(first.Scaling)}. " +
                      "Times are seconds from the start of the load; \"fired\" is Prometheus' firing time, \"webhook\" when Alertmanager's notification reached the lab.").AppendLine();
        foreach (var mode in observed)
        {
            var m = report.Modes[mode];
            var setup = m.Alerting!;
            var trigger = setup.TriggerAtSeconds is { } t ? Invariant($"trigger at {t:0} s") : "no trigger time";
            var fired = m.Alerts.Where(a => a.FiredAtSeconds is not null).OrderBy(a => a.FiredAtSeconds).ToList();
            var summary = setup.Problem is { } problem ? $"alerts not observed: {problem}"
                : fired.Count == 0 ? "no alert fired"
                : string.Join("; ", fired.Select(a => $"{a.Name} fired {Invariant($"{a.FiredAtSeconds:0} s")} into the run{AfterTrigger(a, setup)}"));
            md.AppendLine($"- **{mode}** ({trigger}): {Escape(summary)}");
        }
        md.AppendLine();

        md.AppendLine("| alert | severity | rule as run | " + string.Join(" | ", modes) + " |");
        md.AppendLine("| --- | --- | --- | " + string.Join(" | ", modes.Select(_ => "---")) + " |");
        foreach (var (name, severity, condition) in report.Modes.Values.SelectMany(m => m.Alerts.Select(a => (a.Name, a.Severity, a.Condition))).DistinctBy(a => a.Name))
        {
            var cells = modes.Select(mode => AlertCell(report.Modes[mode].Alerts.FirstOrDefault(a => a.Name == name), report.Modes[mode].Alerting));
            md.AppendLine($"| {name} | {Escape(severity ?? "")} | {Escape(condition)} | {string.Join(" | ", cells.Select(Escape))} |");
        }
        md.AppendLine();
    }

    /// <summary>One mode's cell for one alert: "fired at 14 s (4 s after the trigger), webhook at 14.3 s, firing 40 s", or "never".</summary>
    public static string AlertCell(AlertFiring? alert, AlertingSetup? setup)
    {
        if (setup is null) return "not replayed";
        if (alert is null) return setup.Problem is null ? "never" : "not observed";
        if (alert.FiredAtSeconds is not { } at) return alert.PendingAtEnd ? "never (pending at the end)" : "never";
        var text = Invariant($"fired at {at:0.#} s") + AfterTrigger(alert, setup);
        if (alert.NotifiedAtSeconds is { } notified) text += Invariant($", webhook at {notified:0.#} s");
        return text + Invariant($", firing {alert.SecondsFiring:0} s");
    }

    static string AfterTrigger(AlertFiring alert, AlertingSetup setup) =>
        alert.FiredAtSeconds is { } at && setup.TriggerAtSeconds is { } trigger
            ? at >= trigger ? Invariant($" ({at - trigger:0.#} s after the trigger)") : Invariant($" ({trigger - at:0.#} s before the trigger)")
            : "";

    static void Table(StringBuilder md, string corner, IReadOnlyList<string> modes, (string Label, Func<ModeReport, string> Cell)[] rows, ScenarioReport report)
    {
        md.AppendLine($"| {corner} | " + string.Join(" | ", modes) + " |");
        md.AppendLine("| --- | " + string.Join(" | ", modes.Select(_ => "---:")) + " |");
        foreach (var (label, cell) in rows)
            md.AppendLine($"| {label} | " + string.Join(" | ", modes.Select(m => cell(report.Modes[m]))) + " |");
        md.AppendLine();
    }

    static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Keeps free text from breaking a table row or turning into markup.</summary>
    static string Escape(string text) => text.Replace("|", "\\|").Replace("\r", "").Replace("\n", " ");
}
