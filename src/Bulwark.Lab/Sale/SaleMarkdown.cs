using System.Globalization;
using System.Text;
using Bulwark.Lab.Bench;

namespace Bulwark.Lab.Sale;

/// <summary><c>lab sale</c>'s results as Markdown: its summary.md, and the "Flash sale" section of docs/benchmarks.md.</summary>
public static class SaleMarkdown
{
    public const string Heading = "## `lab sale`: a flash sale, naive vs guarded with the waiting room (issue 11)";

    static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    static string F(double value, string format) => double.IsNaN(value) ? "–" : double.IsPositiveInfinity(value) ? "∞" : value.ToString(format, CultureInfo.InvariantCulture);

    public static string Render(SaleReport report)
    {
        var p = report.Plan;
        var md = new StringBuilder();
        md.Append(BenchMarkdown.Machine(report.Machine));
        md.AppendLine(I($"- Run: started {report.StartedAt:u}, {report.Minutes:0.0} min. {p.Units} units of one product on sale at half price; {p.Buyers:N0} signed-in buyers arrive uniformly in the {p.Spread.TotalSeconds:0} s before and after the opening, {p.AggressiveShare:P0} of them aggressive (poll and retry every 100 ms, ignore Retry-After and pollAfterSeconds, join again every tenth poll; the others poll with `Prefer: wait=5` as the storefront does, wait as told, after a refusal up to half as long again); storefront traffic at {p.StorefrontRps:0}/s throughout. Buyers still waiting {p.GiveUpAfter.TotalSeconds:0} s after the opening give up."));
        md.AppendLine("- Naive: the shop as the incident platforms ran (Guard:Mode=off) and buyers who race to check out. Guarded: buyers join the sale's waiting room, poll as told, and check out with their admission.");
        if (report.Isolation is { } isolation) md.AppendLine($"- CPU isolation (taskset): {isolation}.");
        if (report.Cluster is { } cluster) md.AppendLine($"- On the cluster: {cluster}.");
        md.AppendLine();

        md.AppendLine("| mode | machine load at start | orders | oversold | stock balanced | sold out after opening s | orders/s while selling | pgbench single-row tps | orders/s ÷ pgbench | row locks that sold them (units per lock) | bought out of queue order (shop's order; lab's clock) | told sold out | told within, from the sell-out or a later arrival (p50 / p99 / max s) | gave up | failed | checkouts answered 503 | 5xx | timeouts | over the 2 s deadline | slowest ms | storefront requests (5xx, over deadline) | SUT CPU |");
        md.AppendLine("| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
        foreach (var m in report.Modes)
        {
            if (m.Failure is not null)
            {
                md.AppendLine($"| {m.Mode} | failed: {m.Failure} | | | | | | | | | | | | | | | | | | | | |");
                continue;
            }
            md.AppendLine(I($"| {m.Mode} | {m.Load} | {m.Orders} | {m.Oversold} | {(m.Balanced ? "yes" : "**no**")} | {F(m.SellOutAfterOpenSeconds, "0.0")} | {F(m.OrdersPerSecond, "0")} | {F(m.PgbenchSingleRowTps, "0")} | {F(m.OrdersPerSecond / m.PgbenchSingleRowTps, "0.00")} | {m.RowUpdates} ({F(m.RowUpdates == 0 ? double.NaN : (double)m.Orders / m.RowUpdates, "0.0")}) | {F(m.OutOfOrderShare, "P1")}; {F(m.OutOfOrderShareByLabClock, "P1")} | {m.ToldSoldOut} | {F(m.SoldOutDelayP50Seconds, "0.00")} / {F(m.SoldOutDelayP99Seconds, "0.00")} / {F(m.SoldOutDelayMaxSeconds, "0.00")} | {m.GaveUp} | {m.Failed} | {m.CheckoutsRefused} | {m.ServerErrors} | {m.Timeouts} | {m.OverDeadline} | {F(m.SlowestMs, "0")} | {m.StorefrontRequests} ({m.StorefrontServerErrors}, {m.StorefrontOverDeadline}) | {F(m.SutCpuShare, "P0")} |"));
        }
        md.AppendLine();

        md.AppendLine("Polite and aggressive buyers: what each kind got (places are 1 = first; a fair sale gives both the same share and the same places).").AppendLine();
        md.AppendLine("| mode | buyers | bought | bought share | median place in queue | median place among purchases |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: |");
        foreach (var m in report.Modes.Where(m => m.Failure is null))
            foreach (var g in new[] { m.Polite, m.Aggressive }.OfType<BuyerGroup>())
                md.AppendLine(I($"| {m.Mode} | {g.Name} ({g.Buyers}) | {g.Bought} | {F(g.BoughtShare, "P1")} | {F(g.MedianQueueRank, "0")} | {F(g.MedianPurchaseRank, "0")} |"));
        md.AppendLine();

        var polled = report.Modes.Where(m => m.Failure is null && !double.IsNaN(m.PollCpuMicros)).ToList();
        if (polled.Count > 0)
        {
            md.AppendLine("What a poll costs: after the sale, 32 workers poll the tickets the buyers held in a closed loop; CPU of the system under test ÷ polls answered.").AppendLine();
            md.AppendLine("| mode | polls during the sale | CPU-µs per poll | polls/s in the flood |");
            md.AppendLine("| --- | ---: | ---: | ---: |");
            foreach (var m in polled) md.AppendLine(I($"| {m.Mode} | {m.Polls} | {F(m.PollCpuMicros, "0")} | {F(m.PollsPerSecond, "0")} |"));
            md.AppendLine();
        }

        var failures = report.Modes.Where(m => m.Failures.Count > 0).ToList();
        foreach (var m in failures) md.AppendLine($"- {m.Mode}, answers counted as failed: {string.Join("; ", m.Failures.Select(f => $"`{f}`"))}");
        if (failures.Count > 0) md.AppendLine();
        return md.ToString();
    }
}
