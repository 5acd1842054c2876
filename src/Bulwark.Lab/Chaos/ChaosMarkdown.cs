using System.Globalization;
using System.Text;
using Bulwark.Lab.Bench;

namespace Bulwark.Lab.Chaos;

/// <summary><c>lab chaos</c>'s results as Markdown: its summary.md, and the "Faults under load" section of docs/benchmarks.md.</summary>
public static class ChaosMarkdown
{
    public const string Heading = "## Faults under load (issue 10)";

    static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    static string Seconds(double? seconds) => seconds is { } s ? I($"{s:0.0} s") : "not within the run";

    public static string Render(ChaosReport report)
    {
        var s = report.Settings;
        var md = new StringBuilder();
        md.Append(BenchMarkdown.Machine(report.Machine));
        md.AppendLine(I($"- Run: started {report.StartedAt:u}, {report.MinutesTaken:0.0} min. One guarded shop, its PostgreSQL (`synchronous_commit = on`) and the payment sandbox, each its own process, through all faults in turn; the ledger is checked after each (everything since the start)."));
        md.AppendLine(I($"- Load per fault: {s.BeforeSeconds:0} s before it, the fault, {s.AfterSeconds:0} s after it lifts; open-model storefront traffic at {s.StorefrontRps:0}/s plus purchases (cart + checkout) at {s.CheckoutRps:0}/s. SLO {s.SloMs:0} ms ({s.CheckoutSloMs:0} ms for a purchase), deadline {s.DeadlineMs:0} ms."));
        md.AppendLine($"- Shop settings for the run: {string.Join(", ", s.ShopSettings.Select(kv => $"`{kv.Key}={kv.Value}`"))}.");
        foreach (var note in report.Notes) md.AppendLine($"- {note}");
        md.AppendLine();

        md.AppendLine("| fault | machine load at start | answers by status before / during / after the fault | slowest answer | over the deadline | p99 before | bad answers before | ready after | paid purchase after | answers good again after | recovered in | ledger |");
        md.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var f in report.Faults)
        {
            var load = f.Load;
            var verdict = f.Failure is not null ? $"**not run:** {f.Failure}" : f.Ledger is { } l ? (l.Passed ? "pass" : "**FAIL**") : "–";
            md.AppendLine(load is null
                ? $"| {f.Fault} | {f.MachineLoad} | – | – | – | – | – | – | – | – | – | {verdict} |"
                : I($"| {f.Fault} | {f.MachineLoad} | {string.Join("<br>", load.Phases.Select(p => $"{p.Key}: {Statuses(p.Value)}"))} | {load.SlowestMs:0} ms ({load.SlowestRequest}) | {load.OverDeadline} | {load.P99BeforeMs:0} ms | {load.Recovery.BadShareBefore:0.0%} | {Seconds(load.Recovery.ReadySeconds)} | {Seconds(load.Recovery.PurchaseSeconds)} | {Seconds(load.Recovery.WithinSloSeconds)} | {Seconds(load.Recovery.Seconds)} | {verdict} |"));
        }
        md.AppendLine();
        md.AppendLine("*Bad answers*: slower than the SLO, or no answer, a timeout, a 503 or another 5xx. *Answers good again*: the first of three seconds in a row with at most 1% bad answers (p99 within the SLO) — or, when the machine was too busy for that before the fault, no more than before. *Recovered in*: the last of ready, paid purchase and answers good again, from the end of the fault.");
        md.AppendLine();

        md.AppendLine("Checkout answers alone, and the fault's timing (seconds since the start of its load):").AppendLine();
        md.AppendLine("| fault | what was done | fault from – to | checkout answers by status |");
        md.AppendLine("| --- | --- | --- | --- |");
        foreach (var f in report.Faults)
            md.AppendLine(I($"| {f.Fault} | {f.Description} | {(f.Window is { } w ? I($"{w.StartSeconds:0.0} – {w.EndSeconds:0.0}") : "–")} | {(f.Load is null ? "–" : Statuses(f.Load.CheckoutStatuses))} |"));
        md.AppendLine();

        md.AppendLine("Ledger check after each fault (orders in PostgreSQL vs the gateway's charges vs stock, once no order is `pending_payment`):").AppendLine();
        md.AppendLine("| fault | settled after | orders | paid | failed | succeeded charges | still pending | paid without charge | charges without paid order | double charges | stock mismatches | answered orders lost |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var f in report.Faults)
            if (f.Ledger is { } l)
                md.AppendLine(I($"| {f.Fault} | {f.SettledSeconds:0.0} s | {l.Orders} | {l.Paid} | {l.Failed} | {l.SucceededCharges} | {l.Unsettled} | {l.PaidWithoutCharge} | {l.ChargesWithoutPaidOrder} | {l.DoubleCharged} | {l.StockMismatches} | {l.LostOrders} |"));
        md.AppendLine();

        var notes = report.Faults.SelectMany(f => f.Notes.Concat(f.Ledger?.Problems ?? []).Select(n => $"- {f.Fault}: {n}")).ToList();
        if (notes.Count > 0) md.AppendLine(string.Join('\n', notes)).AppendLine();
        return md.ToString();
    }

    /// <summary>"201: 512, 503: 40, no answer: 3", most frequent first.</summary>
    public static string Statuses(IReadOnlyDictionary<string, long> statuses) =>
        statuses.Count == 0 ? "none" : string.Join(", ", statuses.OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal).Select(s => I($"{s.Key}: {s.Value}")));
}
