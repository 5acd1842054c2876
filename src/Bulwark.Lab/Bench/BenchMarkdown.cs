using System.Globalization;
using System.Text;
using Bulwark.Lab.Reports;

namespace Bulwark.Lab.Bench;

/// <summary>The lab's results as Markdown sections: every number comes from a summary.json, none is typed.</summary>
public static class BenchMarkdown
{
    /// <summary>Median (min–max) of the repeats; "–" when nothing was measured.</summary>
    public static string F(Spread s, string format) => !s.IsKnown
        ? "–"
        : s.Min == s.Max
            ? s.Median.ToString(format, CultureInfo.InvariantCulture)
            : $"{s.Median.ToString(format, CultureInfo.InvariantCulture)} ({s.Min.ToString(format, CultureInfo.InvariantCulture)}–{s.Max.ToString(format, CultureInfo.InvariantCulture)})";

    static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    public static string Machine(MachineInfo m)
    {
        var md = new StringBuilder();
        md.AppendLine(I($"- Machine: {m.Cores} cores{(m.Cpu is null ? "" : $" ({m.Cpu})")}{(m.MemoryGiB is { } g ? I($", {g:0.#} GiB") : "")}; {m.Os}"));
        md.AppendLine($"- Runtime: {m.Runtime}; lab {m.LabVersion}{(m.Commit is null ? "" : $"; commit {m.Commit}")}");
        if (m.Tools is { Count: > 0 } tools) md.AppendLine($"- Tools: {string.Join("; ", tools.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Value.Split('\n')[0]))}");
        return md.ToString();
    }

    static string Loads(IReadOnlyList<double> loads) =>
        loads.Count == 0 ? "–" : string.Join(", ", loads.Select(l => l.ToString("0.00", CultureInfo.InvariantCulture)));

    public static string Baseline(BaselineReport report)
    {
        var md = new StringBuilder();
        md.Append(Machine(report.Machine));
        md.AppendLine(I($"- Run: started {report.StartedAt:u}, {report.MinutesTaken:0.0} min, {report.Repeats} repeats of {report.StepSeconds:0} s per measurement; medians (min–max)."));
        foreach (var (mode, m) in report.Modes)
            md.AppendLine($"- 1-minute load average at the start of each {mode} repeat: {Loads(m.LoadAtStart)}{(m.Failure is null ? "" : $"; **did not complete:** {m.Failure}")}");
        md.AppendLine();

        md.AppendLine("Category page (`GET /api/products?category=N&page=P&pageSize=20`), wrk vs pgbench (`Bench/pgbench/browse.sql`):").AppendLine();
        md.AppendLine("| mode | concurrency | HTTP 2xx/s | HTTP p50 ms | HTTP p99 ms | non-2xx | pgbench clients | pgbench qps | pgbench p50 ms | pgbench p99 ms | HTTP / pgbench |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (mode, m) in report.Modes)
            foreach (var p in m.Points)
                md.AppendLine($"| {mode} | {p.Concurrency} | {F(p.BrowseRps, "0")} | {F(p.BrowseP50Ms, "0.0")} | {F(p.BrowseP99Ms, "0.0")} | {F(p.BrowseNon2xx, "0")} | {p.PgbenchClients} | {F(p.PgBrowseQps, "0")} | {F(p.PgBrowseP50Ms, "0.0")} | {F(p.PgBrowseP99Ms, "0.0")} | {F(p.BrowseRatio, "0.00")} |");
        md.AppendLine();
        md.AppendLine("Checkout (put in cart + `POST /api/checkout`), the lab's closed-loop buyers vs pgbench (`Bench/pgbench/checkout.sql`):").AppendLine();
        md.AppendLine("| mode | concurrency | purchases/s | checkout p50 ms | checkout p99 ms | purchase p99 ms | not paid | pgbench clients | pgbench tps | pgbench p50 ms | pgbench p99 ms | HTTP / pgbench |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (mode, m) in report.Modes)
            foreach (var p in m.Points)
                md.AppendLine($"| {mode} | {p.Concurrency} | {F(p.CheckoutRps, "0")} | {F(p.CheckoutP50Ms, "0.0")} | {F(p.CheckoutP99Ms, "0.0")} | {F(p.PurchaseP99Ms, "0.0")} | {F(p.CheckoutFailures, "0")} | {p.PgbenchClients} | {F(p.PgCheckoutTps, "0")} | {F(p.PgCheckoutP50Ms, "0.0")} | {F(p.PgCheckoutP99Ms, "0.0")} | {F(p.CheckoutRatio, "0.00")} |");
        md.AppendLine();
        foreach (var note in report.Notes) md.AppendLine($"- {note}");
        md.AppendLine();
        return md.ToString();
    }

    public static string Bench(BenchReport report)
    {
        var md = new StringBuilder();
        md.Append(RunHeader(report, "shop, PostgreSQL and sandbox", "the lab's generator, pgbench and wrk"));

        md.AppendLine("### Database ceiling and capacity at SLO").AppendLine();
        md.AppendLine("pgbench runs the shop's own SQL (`src/Bulwark.Lab/Bench/pgbench/`) against the same server, best of " +
                      string.Join(" and ", report.Modes.Values.FirstOrDefault(m => m.Ceiling is not null)?.Ceiling?.Clients ?? []) + " clients, in each repeat before the HTTP steps.").AppendLine();
        md.AppendLine("| mode | pgbench browse qps | pgbench checkout tps | pgbench hot-row tps | checkout capacity req/s | checkout / pgbench | browse capacity req/s | browse / pgbench | mix capacity req/s |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var none = Spread.Of([]);
        foreach (var (mode, m) in report.Modes)
            md.AppendLine($"| {mode} | {F(m.Ceiling?.BrowseQps ?? none, "0")} | {F(m.Ceiling?.CheckoutTps ?? none, "0")} | {F(m.Ceiling?.HotRowTps ?? none, "0")} | {F(m.Capacity.CheckoutRps, "0")} | {F(m.Capacity.CheckoutOverPgbench, "0.00")} | {F(m.Capacity.BrowseRps, "0")} | {F(m.Capacity.BrowseOverPgbench, "0.00")} | {F(m.Capacity.MixRps, "0")} |");
        md.AppendLine();

        md.Append(Sweep(report));
        md.Append(CpuAccounts(report));
        md.Append(Costs(report));
        md.Append(Recovery(report));

        var converging = report.Modes.SelectMany(m => m.Value.Overload.Where(o => o.LimitConvergenceSeconds is not null).Select(o => (m.Key, o))).ToList();
        if (converging.Count > 0)
        {
            md.AppendLine(I($"Convergence of the adaptive limit: seconds from the start of a long step until `bulwark_db_limit` (scraped every 200 ms) stays within {LimitConvergence.Band:P0} of its settled value (the median of the step's second half) for {LimitConvergence.Hold.TotalSeconds:0} s (∞: never within the step; 0: it already was). Breakwater's anchor: < 20 ms.")).AppendLine();
            md.AppendLine("| mode | load | convergence s | runs |");
            md.AppendLine("| --- | ---: | ---: | --- |");
            foreach (var (mode, o) in converging)
                md.AppendLine(I($"| {mode} | {o.Multiplier}× | {F(o.LimitConvergenceSeconds!, "0.0")} | {Runs(o.LimitConvergenceSeconds!, "0.0")} |"));
            md.AppendLine();
        }

        if (report.Modes.Values.Any(m => m.HotSku is not null))
        {
            md.AppendLine("### Hot SKU sell-out (5,000 purchase attempts, 2,000 buyers at once, 500 units)").AppendLine();
            md.AppendLine("Buyers answered 503/429 try again after Retry-After (up to 5 times). Orders and stock are read from PostgreSQL afterwards.").AppendLine();
            md.AppendLine("| mode | orders | oversold | stock balanced | sell-out s | all answered s | orders/s while selling | pgbench hot-row tps | 503s |");
            md.AppendLine("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (var (mode, m) in report.Modes.Where(m => m.Value.HotSku is not null))
            {
                var h = m.HotSku!;
                md.AppendLine($"| {mode} | {F(h.Orders, "0")} | {F(h.Oversold, "0")} | {(h.AllBalanced ? "every run" : "**no**")} | {F(h.SellOutSeconds, "0.00")} | {F(h.AllAnsweredSeconds, "0.00")} | {F(h.OrdersPerSecond, "0")} | {F(h.HotRowTps, "0")} | {F(h.Shed, "0")} |");
            }
            md.AppendLine();
        }
        md.Append(Notes(report));
        return md.ToString();
    }

    /// <summary>Machine, what ran and when, the machine's load at each repeat, the capacity rule and the CPU split.</summary>
    static string RunHeader(BenchReport report, string systemUnderTest, string loadSide)
    {
        var md = new StringBuilder();
        var s = report.Settings;
        md.Append(Machine(report.Machine));
        md.AppendLine(I($"- Run: started {report.StartedAt:u}, {report.MinutesTaken:0.0} min, {report.Repeats} repeats per mode; medians (min–max). Steps of {s.StepSeconds:0} s, the {string.Join(" and ", s.LongMultipliers.Select(x => I($"{x}×")))} overload steps {s.LongStepSeconds:0} s; PostgreSQL max_connections {s.ServerMaxConnections}."));
        if (report.Ran is { } ran) md.AppendLine($"- Each repeat ran: {ran}.");
        foreach (var (mode, m) in report.Modes)
            md.AppendLine($"- 1-minute load average at the start of each {mode} repeat: {Loads(m.LoadAtStart)}{(m.Failure is null ? "" : $"; **did not complete:** {m.Failure}")}");
        md.AppendLine($"- Capacity at SLO: {report.CapacityRule}. Mix: {s.Mix}.");
        md.AppendLine(report.Isolation is { } isolation
            ? $"- CPU isolation (taskset): {systemUnderTest} on CPU {isolation.SystemUnderTestCpus}; {loadSide} on CPU {isolation.LoadCpus}."
            : "- CPU isolation: none; the shop, PostgreSQL and the generator shared every CPU.");
        md.AppendLine();
        return md.ToString();
    }

    /// <summary>The overload sweep's table, one row per mode and multiple (and the step retried at once, if run).</summary>
    static string Sweep(BenchReport report)
    {
        var md = new StringBuilder();
        var none = Spread.Of([]);
        md.AppendLine("### Overload sweep (the mix, multiples of that repeat's mix capacity)").AppendLine();
        md.AppendLine("| mode | load | s | offered req/s | goodput req/s | goodput / capacity | checkout goodput req/s | p99 admitted (2xx) ms | 503s | p99 of 503s ms | 503s within 10 ms | 429s | other 5xx | timeouts | slower than deadline | dropped by generator | SUT CPU | load CPU | generator lag p99 ms | invalid runs |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (mode, m) in report.Modes)
            foreach (var (o, retrying) in m.AggressiveOverload is { } a ? m.Overload.Select(o => (o, false)).Append((a, true)) : m.Overload.Select(o => (o, false)))
                md.AppendLine(I($"| {mode} | {o.Multiplier}×{(retrying ? " retrying at once" : "")} | {o.Seconds:0} | {F(o.OfferedRps, "0")} | {F(o.GoodputRps, "0")} | {F(o.GoodputShareOfCapacity, "0.00")} | {F(o.CheckoutGoodputRps, "0")} | {F(o.P99AdmittedMs, "0")} | {F(o.Shed, "0")} | {F(o.P99ShedMs, "0.0")} | {F(o.ShedWithin10msShare, "0.000")} | {F(o.Limited, "0")} | {F(o.Other5xx, "0")} | {F(o.Timeouts, "0")} | {F(o.SlowerThanDeadline, "0")} | {F(o.Dropped, "0")} | {F(o.SutCpuShare ?? none, "P0")} | {F(o.LoadCpuShare ?? none, "P0")} | {F(o.GeneratorLagP99Ms ?? none, "0.0")} | {o.Invalid?.Count ?? 0} |"));
        md.AppendLine();
        md.AppendLine("Requests are judged one by one: an action's latency is that of its slowest request, timed from its send plus the generator's lag in sending the action (so the lag counts against the shop). A purchase is its cart update and its checkout, and meets the SLO, or is \"slower than deadline\", as the slower of the two does; timeouts are counted apart.").AppendLine();
        if (report.Modes.Values.Any(m => m.AggressiveOverload is not null))
            md.AppendLine(I($"\"Retrying at once\": the same step with clients that send a refused request (503, 429) again immediately, up to {BenchTarget.AggressiveRetries} times, ignoring Retry-After; the other rows' clients give up on a refusal. Latency runs from the first intended send to the last answer.")).AppendLine();
        return md.ToString();
    }

    /// <summary>
    /// Where the system under test's CPU went in each overload step, from the shop's own counters: how busy it was, what
    /// the refusals took at the flood's price per refusal, and what each admitted request cost with the rest. Goodput that
    /// falls while the CPU is full is either the refusals (their share) or admitted work grown dearer (the µs against 1×).
    /// </summary>
    static string CpuAccounts(BenchReport report)
    {
        var steps = report.Modes.SelectMany(m => (m.Value.AggressiveOverload is { } a ? m.Value.Overload.Append(a) : m.Value.Overload)
            .Where(o => o.Cpu is not null).Select(o => (Mode: m.Key, Step: o, Retrying: ReferenceEquals(o, m.Value.AggressiveOverload)))).ToList();
        if (steps.Count == 0) return "";
        var md = new StringBuilder();
        md.AppendLine("### Where the system under test's CPU went").AppendLine();
        md.AppendLine("Over each step's load phase (not its calm tail), from the shop's `/metrics` at the start and end: requests it answered and refused " +
                      "(`http_server_request_duration_seconds_count`, `bulwark_admission_rejected_total` without `cancelled`), the SUT's CPU from /proc, the " +
                      "refusals priced at the same repeat's CPU-µs per refusal (the flood, below), and the rest divided by the admitted requests. Every repeat counts, valid or not.").AppendLine();
        md.AppendLine("| mode | load | SUT CPU busy | refused req/s | refusals' share of the SUT CPU | admitted req/s | CPU-µs per admitted request | vs 1× |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (mode, o, retrying) in steps)
        {
            var c = o.Cpu!;
            var oneX = report.Modes[mode].Overload.FirstOrDefault(s => s.Multiplier == 1)?.Cpu?.MicrosPerAdmitted.Median ?? double.NaN;
            var ratio = double.IsFinite(oneX) && oneX > 0 ? Spread.Of([.. c.MicrosPerAdmitted.Runs.Select(r => r / oneX)]) : Spread.Of([]);
            md.AppendLine(I($"| {mode} | {o.Multiplier}×{(retrying ? " retrying at once" : "")} | {F(c.BusyShare, "P0")} | {F(c.RefusalsPerSecond, "0")} | {F(c.RefusalShare, "P0")} | {F(c.AdmittedPerSecond, "0")} | {F(c.MicrosPerAdmitted, "0")} | {F(ratio, "0.00")} |"));
        }
        md.AppendLine();
        return md.ToString();
    }

    /// <summary>Seconds until p99 was back under the SLO after the last (highest) overload step.</summary>
    static string Recovery(BenchReport report)
    {
        var md = new StringBuilder();
        var last = report.Settings.Multipliers.Count > 0 ? report.Settings.Multipliers[^1] : 10;
        md.AppendLine(I($"Recovery: seconds from the end of the {last}× step until p99 of every answer stays ≤ 200 ms for 3 s running (∞: not within the calm tail).")).AppendLine();
        md.AppendLine("| mode | recovery s | runs |");
        md.AppendLine("| --- | ---: | --- |");
        foreach (var (mode, m) in report.Modes)
            md.AppendLine($"| {mode} | {F(m.RecoverySeconds, "0")} | {Runs(m.RecoverySeconds, "0")} |");
        md.AppendLine();
        return md.ToString();
    }

    /// <summary>The run's notes, each mode's, and every invalid run with its reason.</summary>
    static string Notes(BenchReport report)
    {
        var md = new StringBuilder();
        foreach (var note in report.Notes.Concat(report.Modes.Values.SelectMany(m => m.Notes))) md.AppendLine($"- {note}");
        foreach (var (mode, m) in report.Modes)
            foreach (var run in m.Runs?.Where(r => !r.Valid) ?? [])
                md.AppendLine($"- Invalid run ({mode}, {run.Label}): {run.Invalid}; not counted.");
        md.AppendLine();
        return md.ToString();
    }

    /// <summary>
    /// <c>lab bench --cluster</c>: the mix's capacity and the reduced sweep through nginx, then beside each step what the
    /// cluster did: requests/s per instance, catalog reads on the standby vs the primary, pooled server connections
    /// against the shared budget (peak and over the step), and who answered (the shops, or nginx itself).
    /// </summary>
    public static string ClusterBench(BenchReport report)
    {
        var md = new StringBuilder();
        md.Append(RunHeader(report, "nginx, PgBouncer, both PostgreSQL servers, the shops and the sandbox", "the lab's generator"));
        foreach (var (mode, m) in report.Modes.Where(m => m.Value.Cluster is not null))
            md.AppendLine($"- {m.Cluster!.Instances} instances, {m.Cluster.Deploy}; nginx: {m.Cluster.Proxy}; nginx may retry a POST: {(m.Cluster.ProxyRetriesPosts ? "**yes**" : "no")}.");
        md.AppendLine();
        md.AppendLine("| mode | mix capacity at SLO req/s |");
        md.AppendLine("| --- | ---: |");
        foreach (var (mode, m) in report.Modes)
            md.AppendLine($"| {mode} | {F(m.Capacity.MixRps, "0")} |");
        md.AppendLine();
        md.Append(Sweep(report));
        md.Append(ClusterSteps(report));
        md.Append(Recovery(report));
        md.Append(Notes(report));
        return md.ToString();
    }

    /// <summary>The cluster beside each overload step: medians (min–max) over the repeats, invalid ones included (the budget holds or not whatever the generator did).</summary>
    static string ClusterSteps(BenchReport report)
    {
        var md = new StringBuilder();
        md.AppendLine("### The cluster during each step").AppendLine();
        md.AppendLine("Requests/s per instance from each instance's own `/metrics`; catalog reads by where they ran; pooled server connections on the primary " +
                      "(peak, then the most per tenth of the time observed — the step, the last step's calm tail, and the drain of answers still in flight —, " +
                      "from the first repeat) against the budget the instances share; answers by origin: " +
                      "the shops' (JSON) or nginx's own error pages (HTML, 502/504), and requests that got no answer. Every repeat counts, valid or not.").AppendLine();
        md.AppendLine("| mode | load | requests/s per instance | catalog reads standby / primary | on the standby | pooled peak (budget) | samples above budget | pooled over time | all client backends peak (max_connections) | answers by shops | by nginx | no answer |");
        md.AppendLine("| --- | ---: | --- | --- | ---: | ---: | ---: | --- | ---: | ---: | --- | ---: |");
        foreach (var (mode, m) in report.Modes)
            foreach (var o in m.AggressiveOverload is { } a ? m.Overload.Append(a) : m.Overload)
            {
                if (o.Cluster is not { Count: > 0 } runs) continue;
                var instances = runs.Max(r => r.PerInstance.Count);
                var perInstance = string.Join(" / ", Enumerable.Range(0, instances)
                    .Select(i => F(Spread.Of(runs, r => i < r.PerInstance.Count ? r.PerInstance[i].RequestsPerSecond : double.NaN), "0")));
                var proxied = runs.SelectMany(r => r.ProxyByStatus.Keys).Distinct().Order(StringComparer.Ordinal)
                    .Select(status => $"{status}: {F(Spread.Of(runs, r => r.ProxyByStatus.GetValueOrDefault(status)), "0")}").ToList();
                var retrying = ReferenceEquals(o, m.AggressiveOverload) ? " retrying at once" : "";
                md.AppendLine(I($"| {mode} | {o.Multiplier}×{retrying} | {perInstance} | {F(Spread.Of(runs, r => r.CatalogReadsStandby), "0")} / {F(Spread.Of(runs, r => r.CatalogReadsPrimary), "0")} | {F(Spread.Of(runs, r => r.StandbyShare), "P0")} | {F(Spread.Of(runs, r => r.MaxPooled), "0")} ({runs[0].Budget}) | {F(Spread.Of(runs, r => r.OverBudget), "0")} of {F(Spread.Of(runs, r => r.Samples), "0")} | {string.Join(" ", runs[0].PooledPerWindow)} | {F(Spread.Of(runs, r => r.MaxClientBackends), "0")} ({runs[0].ServerMaxConnections}) | {F(Spread.Of(runs, r => r.ShopAnswers), "0")} | {F(Spread.Of(runs, r => r.ProxyAnswers), "0")}{(proxied.Count == 0 ? "" : $" ({string.Join(", ", proxied)})")} | {F(Spread.Of(runs, r => r.NoAnswer), "0")} |"));
            }
        md.AppendLine();
        return md.ToString();
    }

    /// <summary>The "Cost per request" table: CPU-µs of the system under test per purchase, browse and refusal, and the flood's calibration.</summary>
    public static string Costs(BenchReport report)
    {
        var md = new StringBuilder();
        if (!report.Modes.Values.Any(m => m.Costs is not null)) return "";
        md.AppendLine("### Cost per request").AppendLine();
        md.AppendLine(I($"CPU time of the system under test (shop + PostgreSQL, from /proc) per answer: a purchase in a checkout-only step and a browse in a browse-only step, each at {BenchSuite.CostLoad:0.0}× its capacity; a refusal (429/503) in an anonymous `GET /api/cart` flood from one address at {BenchSuite.FloodMultiplier:0}× the mix capacity, measured after {BenchSuite.FloodWarmUp.TotalSeconds:0} s of it off the record; PostgreSQL's CPU per transaction of pgbench's checkout.sql (best client count). In parentheses: PostgreSQL's part. A flood that the generator could not offer (lag or CPU) still prices a refusal, since the cost is per answer; its offered and answered rates show how far it got.")).AppendLine();
        md.AppendLine("| mode | CPU-µs per purchase (PostgreSQL) | CPU-µs per cached browse (PostgreSQL) | CPU-µs per refusal | CPU-µs per flood answer | pgbench PostgreSQL CPU-µs per checkout tx | purchase / pgbench | purchase PostgreSQL / pgbench | flood offered req/s | flood answered req/s | refused share | flood generator lag p99 ms | flood load CPU | flood runs invalid |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (mode, m) in report.Modes.Where(m => m.Value.Costs is not null))
        {
            var c = m.Costs!;
            md.AppendLine($"| {mode} | {F(c.PurchaseMicros, "0")} ({F(c.PurchasePostgresMicros, "0")}) | {F(c.BrowseMicros, "0")} ({F(c.BrowsePostgresMicros, "0")}) | {F(c.RefusalMicros, "0")} | {F(c.FloodAnswerMicros, "0")} | {F(c.PgbenchCheckoutPostgresMicros, "0")} | {F(c.PurchaseOverPgbench, "0.0")} | {F(c.PurchasePostgresOverPgbench, "0.0")} | {F(c.FloodOfferedRps, "0")} | {F(c.FloodAnsweredRps, "0")} | {F(c.FloodRefusedShare, "P0")} | {F(c.FloodLagP99Ms, "0.0")} | {F(c.FloodLoadCpuShare, "P0")} | {c.FloodInvalidRuns} |");
        }
        md.AppendLine();
        return md.ToString();
    }

    public static string Incidents(IReadOnlyList<ScenarioReport> incidents, double? checkoutCapacity)
    {
        var md = new StringBuilder();
        if (incidents.Count == 0) return md.ToString();
        md.Append(Machine(incidents[0].Scenario.Machine));
        md.AppendLine(I($"- Each scenario ran once per mode on a fresh PostgreSQL and shop, same seeded traffic; SLO {incidents[0].Scenario.SloMs:0} ms, deadline {incidents[0].Scenario.DeadlineMs:0} ms. Full reports: `lab-results/<incident>/report.html`."));
        md.AppendLine("- Checkout share = checkouts answered 2xx within the SLO over the checkouts offered" +
                      (checkoutCapacity is { } c ? I($", in each second at most the guarded checkout capacity at SLO from the bench ({c:0}/s)") : "") +
                      ", leaving out checkouts rightly answered sold out or declined. The guarded run follows the naive one, so its load at start still holds the naive run's.");
        md.AppendLine();
        md.AppendLine("| incident | mode | load at start | goodput req/s | checkout goodput req/s | checkout share | p99 of 2xx ms | errors | 503s | 429s | timeouts | slower than deadline | dropped | orders paid | oversold | first alert |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var incident in incidents.OrderBy(i => i.Scenario.Name, StringComparer.Ordinal))
            foreach (var (mode, m) in incident.Modes)
            {
                var first = m.Alerts.Where(a => a.FiredAtSeconds is not null).OrderBy(a => a.FiredAtSeconds).FirstOrDefault();
                var share = TargetCheck.CheckoutShare(m, incident.Scenario.DurationSeconds, checkoutCapacity);
                md.AppendLine(I($"| {incident.Scenario.Name} | {mode} | {m.LoadAverageAtStart?.ToString("0.00", CultureInfo.InvariantCulture) ?? "–"} | {m.GoodputRps:0.0} | {m.CheckoutGoodputRps:0.0} | {(double.IsFinite(share) ? share.ToString("P0", CultureInfo.InvariantCulture) : "–")} | {m.P99Ms:0} | {m.Errors} | {m.Shed} | {m.Limited} | {m.Timeouts} | {m.SlowerThanDeadline} | {m.DroppedByGenerator} | {m.OrdersPaid} | {m.Oversold} | {(first is null ? "none" : I($"{first.Name} at {first.FiredAtSeconds:0} s"))}{(m.Failure is null ? "" : $" — **failed:** {m.Failure}")} |"));
            }
        md.AppendLine();

        var scalings = incidents.SelectMany(i => i.Modes.Values).Select(m => m.Alerting?.Scaling).Distinct().ToList();
        md.AppendLine(scalings is [{ } scaling]
            ? $"When each alert fired in a real Prometheus (with Alertmanager) watching the run, rules from `alerts.yml` with {scaling}; seconds from the start of the load:"
            : "When each alert fired (runs recorded before the lab ran Prometheus replayed the rules on per-second series, holds shortened to seconds):").AppendLine();
        var alertNames = incidents.SelectMany(i => i.Modes.Values.SelectMany(m => m.Alerts.Select(a => a.Name))).Distinct().ToList();
        md.AppendLine("| incident | mode | " + string.Join(" | ", alertNames) + " |");
        md.AppendLine("| --- | --- | " + string.Join(" | ", alertNames.Select(_ => "---:")) + " |");
        foreach (var incident in incidents.OrderBy(i => i.Scenario.Name, StringComparer.Ordinal))
            foreach (var (mode, m) in incident.Modes)
                md.AppendLine($"| {incident.Scenario.Name} | {mode} | " + string.Join(" | ", alertNames.Select(name =>
                    m.Alerts.FirstOrDefault(a => a.Name == name) is { FiredAtSeconds: { } at } ? I($"{at:0} s") : "–")) + " |");
        md.AppendLine();
        return md.ToString();
    }

    public static string Targets(IReadOnlyList<TargetVerdict> verdicts)
    {
        var md = new StringBuilder();
        md.AppendLine("| target | measured | verdict |");
        md.AppendLine("| --- | --- | --- |");
        foreach (var v in verdicts)
            md.AppendLine($"| {v.Target} | {v.Measured.Replace("|", "\\|")} | {v.Met switch { true => "met", false => "**missed**", null => "not measured" }} |");
        md.AppendLine();
        return md.ToString();
    }

    /// <summary>Each repeat's value, ∞ and – spelled out (a median hides a run that never got there).</summary>
    static string Runs(Spread spread, string format) =>
        string.Join(", ", spread.Runs.Select(r => double.IsPositiveInfinity(r) ? "∞" : double.IsNaN(r) ? "–" : r.ToString(format, CultureInfo.InvariantCulture)));
}
