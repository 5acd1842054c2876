using System.Globalization;
using System.Text.Json;
using Bulwark.Lab.Arrivals;
using Bulwark.Lab.Cli;
using Bulwark.Lab.Load;
using Bulwark.Lab.Measurement;
using Bulwark.Lab.Orchestration;
using Bulwark.Lab.Reports;
using Bulwark.Lab.Scenarios;
using Bulwark.Lab.Shop;
using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Bench;

/// <summary>
/// The measurements behind <c>docs/benchmarks.md</c>, per mode and repeated: the database ceiling
/// (pgbench running the shop's own SQL), capacity at SLO for checkout, browsing and their mix, an
/// overload sweep of the mix from 0.5× to 10× its capacity (5× and 10× held long), the time p99
/// takes to come back under the SLO after the 10× spike, and the hot-SKU sell-out. Ratios are taken
/// within a repeat (the sweep uses that repeat's own capacity, the capacity that repeat's pgbench),
/// so drift between repeats cancels out.
/// </summary>
public sealed class BenchSuite(RepoLayout? repo, LabRunOptions options, TimeProvider time, ILogger logger, Func<LiveRun, CancellationToken, Task>? watch = null)
{
    public const int DefaultRepeats = 3;
    static readonly TimeSpan Slo = TimeSpan.FromMilliseconds(200);
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);
    public static readonly IReadOnlyList<double> Multipliers = BenchPlan.Full.Multipliers;
    public static readonly IReadOnlyList<double> LongMultipliers = BenchPlan.Full.LongMultipliers;

    /// <summary>Where the cluster's mix capacity search starts when no earlier repeat found one: low, since the search doubles from it.</summary>
    public const double ClusterMixGuess = 50;
    static readonly int[] PgbenchClients = [8, 32];

    /// <summary>Category browsing and purchases, as issue 3 measures them: mostly looking, a fifth buying.</summary>
    public static TrafficMix Mix { get; } = new(new Dictionary<RequestClass, double> { [RequestClass.Browse] = 80, [RequestClass.Checkout] = 20 });

    public int Repeats { get; init; } = DefaultRepeats;

    /// <summary>Length of a capacity step and of the short overload steps.</summary>
    public TimeSpan StepLength { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Length of the 5× and 10× overload steps (issue 3 and 5 ask for 60 s).</summary>
    public TimeSpan LongStepLength { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Calm traffic after the 10× step, in which recovery is timed.</summary>
    public TimeSpan TailLength { get; init; } = TimeSpan.FromSeconds(10);

    public bool HotSku { get; init; } = true;

    /// <summary>Also run the 10× step with clients that retry refusals at once, to compare goodput with polite clients.</summary>
    public bool Aggressive { get; init; }

    /// <summary>
    /// The mix's capacity from an earlier bench: when set, pgbench, the capacity search and the cost runs are skipped
    /// and only the overload sweep runs at multiples of it (<c>--mix-capacity</c>), for trying a setting in minutes.
    /// </summary>
    public double? GivenMixCapacity { get; init; }

    /// <summary>On the cluster (<c>--cluster</c>, <see cref="LabRunOptions.ClusterInstances"/>): nginx in front of N shops.</summary>
    bool OnCluster => options.ClusterInstances is not null;

    /// <summary>What runs: everything for one shop, the reduced sweep on the cluster; less when the mix capacity is given.</summary>
    public BenchPlan Plan
    {
        get
        {
            var plan = OnCluster ? BenchPlan.Cluster : BenchPlan.Full;
            return GivenMixCapacity is null ? plan : plan.WithGivenCapacity();
        }
    }

    /// <summary>The refusal flood's rate when no mix capacity is known: far above anything a 2-core shop admits.</summary>
    const double FallbackFloodRps = 2_000;

    /// <summary>How long the refusal flood runs off the record before it is measured.</summary>
    public static readonly TimeSpan FloodWarmUp = TimeSpan.FromSeconds(3);

    /// <summary>The refusal flood's rate as a multiple of the mix capacity.</summary>
    public const double FloodMultiplier = 10;

    /// <summary>Cost steps run at this share of the capacity just found: busy, but admitting everything.</summary>
    public const double CostLoad = 0.8;

    /// <summary>Every measured run per mode, for the report.</summary>
    readonly Dictionary<string, List<BenchRun>> _runs = [];

    public static string CapacityRule { get; } =
        $"the highest rate at which p99 of every answer (503s and timeouts included) is ≤ {Slo.TotalMilliseconds:0} ms, errors + timeouts + 503 + 429 < 0.1% and the generator dropped nothing; a step whose generator could not keep up (lag p99 > {RunValidity.MaxLagP99Ms:0} ms or load CPUs > {RunValidity.MaxLoadShare:P0} busy) is run again once, then counted as a miss; so is a miss at the first rate a search tries (it may still pay for compiling that traffic's code)";

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var directory = Path.Combine(options.OutputRoot, OnCluster ? BenchmarksDocument.ClusterBenchFolder : BenchmarksDocument.BenchFolder);
        Directory.CreateDirectory(directory);
        var quiet = new QuietMachine(options.Quiet, time, logger);

        var modes = new Dictionary<string, BenchMode>();
        foreach (var mode in options.Target is null ? [ScenarioRunner.Guarded, ScenarioRunner.Naive] : new[] { ScenarioRunner.Target })
        {
            if (options.Target is null && !options.Modes.Contains(mode)) continue;
            try
            {
                modes[mode] = await RunModeAsync(mode, directory, quiet, ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
            {
                logger.LogError("Bench of {Mode} failed: {Reason}", mode, e.Message);
                var none = Spread.Of([]);
                modes[mode] = new BenchMode(mode, null, new Capacities(none, none, none, none, none), [], none, null, [], [], e.Message);
            }
        }

        var report = new BenchReport(MachineInfo.Current(), startedAt, time.GetElapsedTime(started).TotalMinutes, Repeats,
            new BenchSettings(StepLength.TotalSeconds, LongStepLength.TotalSeconds, TailLength.TotalSeconds, Plan.Multipliers, Plan.LongMultipliers,
                "80% category pages, 20% purchases (put in cart + checkout)", OnCluster ? Cluster.ClusterLauncher.MaxConnections : new BenchTargetOptions().ServerMaxConnections),
            CapacityRule, modes,
            [
                "Latencies of the open-model steps run from each request's intended send time (no coordinated omission); " + (options.Isolation is { } split
                    ? $"{split.Describe()} (taskset), so neither side's CPU use is the other's latency."
                    : "the generator shares every CPU with the shop and PostgreSQL (--no-isolation or a single CPU)."),
                $"Runs whose generator lagged (send lag p99 > {RunValidity.MaxLagP99Ms:0} ms) or used more than {RunValidity.MaxLoadShare:P0} of its CPUs are marked invalid and left out of every median and range.",
                $"Every product is restocked to {BenchTarget.RestockUnits:N0} units first, so purchases never turn into cheap sold-out answers (except the hot SKU's).",
                "Before every repeat the lab's own database is vacuumed and checkpointed, and the lab waits until the CPUs are idle (the quiet-machine wait; the load average only before the first repeat, as it remembers the lab's own last minute).",
                .. OnCluster ? ClusterNotes() : [],
            ])
        {
            Isolation = options.Isolation is { } i ? new BenchIsolation(i.Sut.ToString(), i.Load.ToString()) : null,
            Ran = Plan.Describe(StepLength, LongStepLength, GivenMixCapacity is not null, HotSku, Aggressive),
        };
        await File.WriteAllTextAsync(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(report, SummaryJson.Options), ct);
        await File.WriteAllTextAsync(Path.Combine(directory, "summary.md"), OnCluster
            ? "# Bulwark bench on the cluster\n\n" + BenchMarkdown.ClusterBench(report)
            : "# Bulwark bench\n\n" + BenchMarkdown.Bench(report), ct);
        return directory;
    }

    /// <summary>What a reader of the cluster bench must know about how it was observed.</summary>
    IEnumerable<string> ClusterNotes() =>
    [
        $"On the cluster: each mode brought up its own nginx → {options.ClusterInstances} shops → PgBouncer → primary + streaming standby (as `lab incident N --cluster` does), " +
        "loaded every step through nginx, and took it all down after; no instance was killed and the standby was not stopped (the incidents' --cluster runs do that).",
        "Per step: each instance's requests/s from its own /metrics (scraped straight once a second; the scrape counts too), catalog reads by source from the same counters, " +
        "the primary's pooled server connections from pg_stat_activity every 500 ms (the shops' direct sessions and the lab's own left out) against the budget, " +
        "and every answer by origin (nginx's own error pages are HTML, the shops' answers JSON). The last step's counts include its calm tail.",
        "CPU use of the system under test counts instance 1, the primary and the sandbox only; every cluster process (nginx, PgBouncer, both PostgreSQL servers, the shops, the sandbox) is pinned to the SUT's CPUs.",
        $"The lab waits {options.Limits.RequestTimeout.TotalSeconds:0} s for an answer (--timeout): a naive shop held longer than that behind nginx's stock 60 s timeout counts as the lab's timeout, not as nginx's 504.",
    ];

    async Task<BenchMode> RunModeAsync(string mode, string directory, QuietMachine quiet, CancellationToken ct)
    {
        var plan = Plan;
        var hotSku = HotSku && plan.HotSku;
        await using var target = await BenchTarget.StartAsync(repo, options, mode, directory,
            new BenchTargetOptions { Buyers = hotSku ? HotSkuSale.AtOnce : 600, PgbenchUsers = plan.Ceiling ? new BenchTargetOptions().PgbenchUsers : 0 }, time, logger, ct);
        var pgbench = target.ConnectionString is null || !plan.Ceiling ? null : new Pgbench(target.ConnectionString, Pgbench.DefaultScriptDirectory, directory, logger, options.Isolation?.Load);
        _runs[mode] = [];
        var notes = new List<string>();
        if (target.ConnectionString is null) notes.Add("No database connection (--target): pgbench and the hot-SKU sale were not run.");

        var loads = new List<double>();
        var ceilings = new List<Ceiling>();
        var costs = new List<CostRun>();
        var capacities = new List<(double Checkout, double Browse, double Mix)>();
        var sweeps = plan.Multipliers.ToDictionary(m => m, _ => new List<StepMeasurement>());
        var recoveries = new List<double>();
        var aggressive = new List<StepMeasurement>();
        var sales = new List<HotSkuResult>();
        var hotRowProduct = long.Parse(target.Fixture.Catalog.Hot[^1].Id, CultureInfo.InvariantCulture);

        // A fresh shop has cold code paths, an empty cache and its adaptive limit at its starting
        // value: the first capacity step would measure the warm-up. Run it off the record first.
        logger.LogInformation("Warming the {Mode} shop up (not measured)", mode);
        await MeasureAsync(target, mode, "warm-up", [new TrafficStream("warm-up", Mix, [ArrivalPhase.Ramp("warm-up", StepLength * 3, 20, 400)])], ct);

        for (var repeat = 1; repeat <= Repeats; repeat++)
        {
            try
            {
                await RepeatAsync(repeat);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
            {
                // What the earlier repeats measured still stands; say which repeat broke and why, and stop there.
                logger.LogError("Bench {Mode}, repeat {Repeat} failed: {Reason}", mode, repeat, e.Message);
                notes.Add($"{mode}: repeat {repeat} of {Repeats} failed and the later ones were not run ({e.Message.Split('\n')[0]}); medians are over the repeats that completed.");
                break;
            }
        }

        async Task RepeatAsync(int repeat)
        {
            await target.SettleDatabaseAsync(ct);
            var calm = await quiet.WaitAsync($"bench {mode} repeat {repeat}", loadToo: repeat == 1, ct);
            loads.Add(calm.AtStart.OneMinute);
            logger.LogInformation("Bench {Mode}, repeat {Repeat}/{Repeats}: {Load}", mode, repeat, Repeats, calm.Describe());

            if (GivenMixCapacity is { } given)
            {
                if (repeat == 1) notes.Add($"{mode}: overload sweep only, at multiples of a mix capacity of {given:0} req/s given on the command line (--mix-capacity); no ceiling, capacity or cost was measured in this run.");
                ceilings.Add(Ceiling.Unknown);
                capacities.Add((double.NaN, double.NaN, given));
                await SweepAsync(given, repeat);
                return;
            }

            var ceiling = pgbench is null ? Ceiling.Unknown : await CeilingAsync(pgbench, target, mode, hotRowProduct, ct);
            ceilings.Add(ceiling);

            var previous = capacities.Count > 0 ? capacities[^1] : ((double, double, double)?)null;
            if (!plan.ClassCapacities)
            {
                // The cluster's sweep is relative to the mix alone; the classes' own capacities are the single-shop bench's.
                await target.ClearCartsAsync(ct);
                var mixOnly = await FindCapacityAsync(target, mode, "mix", Mix, previous?.Item3 ?? ClusterMixGuess, previous is not null, ct);
                capacities.Add((double.NaN, double.NaN, mixOnly));
                logger.LogInformation("Capacity at SLO ({Mode}): mix {Mix:0}/s", mode, mixOnly);
                await SweepAsync(mixOnly, repeat);
                return;
            }
            await target.ClearCartsAsync(ct);
            var checkout = await FindCapacityAsync(target, mode, "checkout", TrafficMix.Only(RequestClass.Checkout),
                previous?.Item1 ?? Guess(ceiling.Checkout, 40), previous is not null, ct);
            var browse = await FindCapacityAsync(target, mode, "browse", TrafficMix.Only(RequestClass.Browse),
                previous?.Item2 ?? Guess(ceiling.Browse, 100), previous is not null, ct);
            // The mix's capacity lies near the rate at which each class alone would be at its capacity.
            var mixGuess = previous?.Item3 ?? 1 / (0.8 / Math.Max(1, browse) + 0.2 / Math.Max(1, checkout));
            var mix = await FindCapacityAsync(target, mode, "mix", Mix, mixGuess, warm: true, ct);
            capacities.Add((checkout, browse, mix));
            logger.LogInformation("Capacity at SLO ({Mode}): checkout {Checkout:0}/s, browse {Browse:0}/s, mix {Mix:0}/s; pgbench checkout {Tps:0} tps, browse {Qps:0} qps",
                mode, checkout, browse, mix, ceiling.Checkout, ceiling.Browse);
            if (plan.Costs) costs.Add(await CostsAsync(target, mode, checkout, browse, mix, ceiling, repeat, ct));
            await SweepAsync(mix, repeat);
        }

        // What a refusal cost in this repeat's flood (run before its sweep); unmeasured with --mix-capacity.
        double RefusalPrice(int repeat) => costs.Count == repeat ? costs[^1].RefusalMicros : double.NaN;

        async Task SweepAsync(double mix, int repeat)
        {
            foreach (var multiplier in plan.Multipliers)
            {
                var rate = Math.Max(1, mix * multiplier);
                var isLong = plan.IsLong(multiplier);
                var isLast = multiplier == plan.Multipliers[^1];
                List<ArrivalPhase> phases = [ArrivalPhase.Constant($"{multiplier}x", isLong ? LongStepLength : StepLength, rate)];
                if (isLast) phases.Add(ArrivalPhase.Constant("after the spike", TailLength, Math.Max(1, mix * 0.5)));
                await target.ClearCartsAsync(ct);
                // Through nginx a scrape reaches a random instance: the limit's convergence is a single shop's measurement.
                var step = await MeasureAsync(target, mode, $"mix {multiplier}x", [new TrafficStream("mix", Mix, phases)], ct,
                    limitScrape: isLong && target.Cluster is null ? LimitScrapeInterval : null, microsPerRefusal: RefusalPrice(repeat));
                sweeps[multiplier].Add(step with { CapacityRps = mix, Seconds = phases[0].Duration.TotalSeconds });
                if (isLast) recoveries.Add(step.Health.Validity.Valid ? RecoverySeconds(step.P99PerSecond, (int)Math.Ceiling(phases[0].Duration.TotalSeconds)) : double.NaN);
            }

            if (Aggressive)
            {
                var multiplier = plan.Multipliers[^1];
                var seconds = plan.IsLong(multiplier) ? LongStepLength : StepLength;
                await target.ClearCartsAsync(ct);
                var step = await MeasureAsync(target, mode, $"mix {multiplier}x, retrying at once",
                    [new TrafficStream("mix", Mix, [ArrivalPhase.Constant($"{multiplier}x", seconds, Math.Max(1, mix * multiplier))])], ct, target.AggressiveActions,
                    microsPerRefusal: RefusalPrice(repeat));
                aggressive.Add(step with { CapacityRps = mix, Seconds = seconds.TotalSeconds });
            }

            if (hotSku && target.ConnectionString is not null)
            {
                var products = target.Fixture.Catalog.Hot;
                var product = long.Parse(products[(repeat - 1) % Math.Max(1, products.Count - 1)].Id, CultureInfo.InvariantCulture);
                sales.Add(await new HotSkuSale(target, time, logger).RunAsync(product, options.Seed + repeat, ct));
            }
        }

        return new BenchMode(mode,
            pgbench is null ? null : new PgbenchCeiling(Spread.Of(ceilings, c => c.Browse), Spread.Of(ceilings, c => c.Checkout), Spread.Of(ceilings, c => c.HotRow), PgbenchClients),
            new Capacities(
                Spread.Of(capacities, c => c.Checkout),
                Spread.Of(capacities, c => c.Browse),
                Spread.Of(capacities, c => c.Mix),
                Spread.Of([.. capacities.Zip(ceilings, (c, p) => c.Checkout / p.Checkout)]),
                Spread.Of([.. capacities.Zip(ceilings, (c, p) => c.Browse / p.Browse)])),
            [.. plan.Multipliers.Select(m => Summarize(m, sweeps[m]))],
            Spread.Of(recoveries),
            sales.Count == 0 ? null : SummarizeSales(sales, ceilings),
            loads,
            notes,
            null)
        {
            Costs = costs.Count == 0 ? null : CostPerRequest.Of(costs),
            AggressiveOverload = aggressive.Count == 0 ? null : Summarize(plan.Multipliers[^1], aggressive),
            Runs = _runs[mode],
            Cluster = target.Cluster is { } cluster ? new BenchClusterSetup(cluster.Manifest.Instances.Count, cluster.Deploy, cluster.Proxy, cluster.ProxyRetriesPosts) : null,
        };
    }

    static double Guess(double pgbench, double fallback) => double.IsFinite(pgbench) && pgbench > 0 ? pgbench * 0.25 : fallback;

    /// <summary>pgbench's best per script in one repeat, and PostgreSQL's CPU per checkout transaction in the best checkout run.</summary>
    sealed record Ceiling(double Browse, double Checkout, double HotRow, double CheckoutPostgresMicros)
    {
        public static Ceiling Unknown { get; } = new(double.NaN, double.NaN, double.NaN, double.NaN);
    }

    async Task<Ceiling> CeilingAsync(Pgbench pgbench, BenchTarget target, string mode, long hotRowProduct, CancellationToken ct)
    {
        var user = target.PgbenchUserBase!.Value.ToString(CultureInfo.InvariantCulture);
        Dictionary<string, string> Products(long min, long max) => new()
        {
            ["user_base"] = user,
            ["product_min"] = min.ToString(CultureInfo.InvariantCulture),
            ["product_max"] = max.ToString(CultureInfo.InvariantCulture),
        };
        await target.ClearCartsAsync(ct);
        // pgbench's hot row may never run out: its sell-out is the HTTP sale's business.
        await target.SetStockAsync(hotRowProduct, 1_000_000_000, ct);
        double browse = 0, checkout = 0, hotRow = 0, checkoutMicros = double.NaN;
        foreach (var clients in PgbenchClients)
        {
            browse = Math.Max(browse, (await MeasuredAsync("browse", Pgbench.BrowseScript, new Dictionary<string, string>())).Tps);
            var (tps, micros) = await MeasuredAsync("checkout", Pgbench.CheckoutScript, Products(1, 10_000));
            if (tps > checkout) (checkout, checkoutMicros) = (tps, micros);
            hotRow = Math.Max(hotRow, (await MeasuredAsync("hot row", Pgbench.CheckoutScript, Products(hotRowProduct, hotRowProduct))).Tps);

            // A pgbench that had no CPU left measured itself, not PostgreSQL: it does not count toward the ceiling.
            async Task<(double Tps, double Micros)> MeasuredAsync(string label, string script, IReadOnlyDictionary<string, string> variables)
            {
                var cpu = new CpuSampler(target.Processes, options.Isolation, time);
                var start = cpu.Take();
                var result = await pgbench.RunAsync(script, clients, StepLength, variables, ct);
                var usage = cpu.Since(start);
                // pgbench is closed-loop: it has no intended send times, so no lag; only its CPU can make it invalid.
                var health = new RunHealth(usage, double.NaN, RunValidity.Judge(double.NaN, usage.LoadShare));
                Record(mode, BenchRun.From($"pgbench {label} × {clients}", result.Seconds, result.Tps, health));
                return health.Validity.Valid ? (result.Tps, CostPerRequest.Micros(health.Cpu.PostgresSeconds, result.Transactions)) : (0, double.NaN);
            }
        }
        return new Ceiling(NaNIfZero(browse), NaNIfZero(checkout), NaNIfZero(hotRow), checkoutMicros);
    }

    static double NaNIfZero(double value) => value > 0 ? value : double.NaN;

    void Record(string mode, BenchRun run)
    {
        _runs[mode].Add(run);
        if (!run.Valid) logger.LogWarning("{Label} is invalid: {Reason}", run.Label, run.Invalid);
    }

    /// <summary>
    /// What a request costs the system under test: checkout-only and browse-only steps below their
    /// capacity (SUT CPU ÷ successes), and the anonymous refusal flood at 10× the mix capacity (SUT
    /// CPU ÷ 429s and 503s). The flood's cost counts even when the generator lagged: it is per answer,
    /// whatever rate was reached, and the SUT's CPUs are not the generator's.
    /// </summary>
    async Task<CostRun> CostsAsync(BenchTarget target, string mode, double checkout, double browse, double mix, Ceiling ceiling, int repeat, CancellationToken ct)
    {
        async Task<(double All, double Postgres)> PerSuccessAsync(string label, RequestClass requestClass, double capacity)
        {
            if (capacity <= 0) return (double.NaN, double.NaN);
            await target.ClearCartsAsync(ct);
            var rate = Math.Max(1, capacity * CostLoad);
            var m = await MeasureAsync(target, mode, $"cost: {label} at {rate:0}/s", [new TrafficStream(label, TrafficMix.Only(requestClass), [ArrivalPhase.Constant("step", StepLength, rate)])], ct);
            if (!m.Health.Validity.Valid) return (double.NaN, double.NaN);
            return (CostPerRequest.Micros(m.Health.Cpu.SutSeconds, m.Succeeded), CostPerRequest.Micros(m.Health.Cpu.PostgresSeconds, m.Succeeded));
        }
        var purchase = await PerSuccessAsync("checkout", RequestClass.Checkout, checkout);
        var browsing = await PerSuccessAsync("browse", RequestClass.Browse, browse);

        var floodRate = mix > 0 ? mix * FloodMultiplier : FallbackFloodRps;
        using var http = LabHttp.CreateSingleAddressClient(target.Address, 512);
        var refusals = new RefusalFlood(new ShopApi(http, options.Limits.RequestTimeout), time);
        // Off the record first: nothing before it refused anonymous requests at this rate, and the tiered JIT was measured
        // recompiling that path for seconds on the shop's one core (a quarter of its CPU in a profile of a fresh shop).
        await refusals.RunAsync(floodRate, FloodWarmUp, options.Seed + repeat, options.Limits, ct);
        var cpu = new CpuSampler(target.Processes, options.Isolation, time);
        var start = cpu.Take();
        var flood = await refusals.RunAsync(floodRate, StepLength, options.Seed + repeat, options.Limits, ct);
        var health = RunHealth.Of(cpu.Since(start), flood.SendLag);
        Record(mode, BenchRun.From($"refusal flood at {floodRate:0}/s", flood.Seconds, flood.Offered / flood.ScheduleSeconds, health));
        logger.LogInformation("Refusal flood ({Mode}) at {Rate:0}/s: {Refused} refused, {Other} other answers, {Dropped} not sent; {Health}",
            mode, floodRate, flood.Refused, flood.OtherAnswers, flood.Dropped, health.Describe());

        return new CostRun(purchase.All, purchase.Postgres, browsing.All, browsing.Postgres,
            CostPerRequest.Micros(health.Cpu.SutSeconds, flood.Refused),
            CostPerRequest.Micros(health.Cpu.SutSeconds, flood.Answered),
            flood.Offered / flood.ScheduleSeconds,
            flood.Answered / flood.ScheduleSeconds,
            flood.Answered == 0 ? double.NaN : flood.Refused / (double)flood.Answered,
            health.LagP99Ms,
            health.Cpu.LoadShare,
            health.Validity.Valid,
            ceiling.CheckoutPostgresMicros);
    }

    /// <summary>
    /// The highest rate that meets the SLO. Cold: doubles from <paramref name="guess"/> (halving while
    /// even the guess fails) to bracket it, then bisects four times. Warm (from the last repeat's answer):
    /// steps of a quarter up or down to bracket it, then bisects twice. Answers the highest rate that passed.
    /// </summary>
    async Task<double> FindCapacityAsync(BenchTarget target, string mode, string label, TrafficMix mix, double guess, bool warm, CancellationToken ct)
    {
        var rate = Math.Max(5, guess);
        var (grow, bisections) = warm ? (1.25, 2) : (2.0, 4);
        double passed = 0, failed = double.NaN;
        // Off the record, half the first rate of this traffic: the step before measured another class, so
        // the catalog cache (2 s) holds none of these pages and the limit was learned on other work. A
        // first step that measures the cold start fails at any rate, and the search never climbs past it
        // (the browse capacity of three runs ranged 655-7,395/s before this).
        await MeasureAsync(target, mode, $"{label} warm-up", [new TrafficStream(label, mix, [ArrivalPhase.Constant("warm-up", StepLength, rate / 2)])], ct);
        // The first step of a traffic may still pay for compiling its code: on the shop's one core the JIT took half of
        // it through a checkout-only warm-up (2026-12-03 19:00Z: 15 ms of CPU per checkout, 18 of 158 shed at 32/s), the
        // first step at 65/s missed with p99 591 ms, and the search settled at 63/s, where every later step passed
        // with p99 ≤ 24 ms. So a first miss is measured once more before the search turns down.
        if (await PassesAsync(rate) || await PassesAsync(rate, " (first step, again)"))
        {
            passed = rate;
            for (var i = 0; i < 8 && double.IsNaN(failed); i++)
            {
                rate *= grow;
                if (await PassesAsync(rate)) passed = rate;
                else failed = rate;
            }
        }
        else
        {
            failed = rate;
            for (var i = 0; i < 8 && passed == 0; i++)
            {
                rate /= grow;
                if (rate < 2) break;
                if (await PassesAsync(rate)) passed = rate;
                else failed = rate;
            }
        }
        for (var i = 0; i < bisections && passed > 0 && !double.IsNaN(failed); i++)
        {
            var middle = (passed + failed) / 2;
            if (await PassesAsync(middle)) passed = middle;
            else failed = middle;
        }
        return passed;

        async Task<bool> PassesAsync(double r, string first = "")
        {
            Task<StepMeasurement> StepAsync(string suffix) =>
                MeasureAsync(target, mode, $"{label} at {r:0}/s{suffix}", [new TrafficStream(label, mix, [ArrivalPhase.Constant("step", StepLength, r)])], ct);
            var m = await StepAsync(first);
            // A lagging generator says nothing about the shop: measure again once, then count it against the rate.
            if (!m.Health.Validity.Valid) m = await StepAsync(first + " (again)");
            if (!m.Health.Validity.Valid)
            {
                logger.LogInformation("{Label} at {Rate:0}/s → counted as a miss: generator could not keep up ({Reason})", label, r, m.Health.Validity.Reason);
                return false;
            }
            var pass = m.P99AllMs <= Slo.TotalMilliseconds && m.FailureShare < 0.001 && m.Dropped == 0;
            logger.LogInformation("{Label} at {Rate:0}/s: p99 {P99:0} ms, failures {Failures:P2} ({Shed} × 503, {Limited} × 429, {Timeouts} timeouts), dropped {Dropped} → {Verdict}",
                label, r, m.P99AllMs, m.FailureShare, m.Shed, m.Limited, m.Timeouts, m.Dropped, pass ? "meets the SLO" : "misses it");
            return pass;
        }
    }

    /// <summary>Seconds from the end of the spike until p99 stays at or under the SLO for 3 seconds running; +∞ if never within the run.</summary>
    public static double RecoverySeconds(IReadOnlyList<double> p99PerSecond, int spikeEnd)
    {
        for (var s = spikeEnd; s + 2 < p99PerSecond.Count; s++)
            if (p99PerSecond[s] <= Slo.TotalMilliseconds && p99PerSecond[s + 1] <= Slo.TotalMilliseconds && p99PerSecond[s + 2] <= Slo.TotalMilliseconds)
                return s - spikeEnd;
        return double.PositiveInfinity;
    }

    internal sealed record StepMeasurement(double OfferedRps, double GoodputRps, double CheckoutGoodputRps, double P99AllMs, double P99AdmittedMs,
        double P99ShedMs, double FailureShare, long Dropped, double ShedWithin10msShare, long Shed, long Limited, long Other5xx, long Timeouts,
        long SlowerThanDeadline, IReadOnlyList<double> P99PerSecond)
    {
        public double CapacityRps { get; init; }
        public double Seconds { get; init; }

        /// <summary>Seconds the adaptive limit took to settle in this step (<see cref="LimitConvergence"/>); NaN when not scraped.</summary>
        public double LimitConvergenceSeconds { get; init; } = double.NaN;

        /// <summary>2xx answers of the whole run: the purchases or browses a cost step divides its CPU by.</summary>
        public long Succeeded { get; init; }

        public RunHealth Health { get; init; } = new(CpuUsage.Unknown, double.NaN, RunValidity.Ok);

        /// <summary>What the step did on the cluster; null for one shop.</summary>
        public ClusterStep? Cluster { get; init; }

        /// <summary>Where the SUT's CPU went in the step's load phase; null when not accounted (cost steps, the cluster).</summary>
        public CpuAccount? Cpu { get; init; }
    }

    /// <summary>
    /// How often the long overload steps read the shop's /metrics to time the limit's convergence. Each scrape
    /// costs the system under test a little CPU in the very steps that saturate it, so not finer than this.
    /// </summary>
    static readonly TimeSpan LimitScrapeInterval = TimeSpan.FromMilliseconds(200);

    /// <param name="microsPerRefusal">
    /// When given (an overload step on one shop), the step is also accounted for from the server's side (<see cref="CpuAccount"/>)
    /// over its load phase alone, at this price per refusal (NaN: not measured in this repeat).
    /// </param>
    async Task<StepMeasurement> MeasureAsync(BenchTarget target, string mode, string label, IReadOnlyList<TrafficStream> streams, CancellationToken ct,
        ShopActions? actions = null, TimeSpan? limitScrape = null, double? microsPerRefusal = null)
    {
        var serviceLevel = new ServiceLevel(Slo, Deadline);
        var plan = new LoadPlan(streams, ArrivalProcess.Poisson, options.Seed, options.Limits, serviceLevel);
        // On the cluster each step gets its own observation, so its instances, reads and connections are the step's alone.
        await using var observation = target.Cluster?.Observe();
        var recorder = new RunRecorder(serviceLevel, plan.Duration + plan.DrainAllowance) { OnCompleted = observation is null ? null : observation.Answers.Record };
        var generator = new LoadGenerator(actions ?? target.Actions, time, logger);
        await using var scraper = new Metrics.MetricsScraper(target.Address, time);
        using var side = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var start = time.GetTimestamp();
        var watching = watch?.Invoke(new LiveRun($"bench: {label}", mode, recorder, generator, observation?.FirstScraper ?? scraper, plan.Duration, start), side.Token) ?? Task.CompletedTask;
        var scraping = limitScrape is { } every ? scraper.RunAsync(start, every, side.Token)
            : observation is not null ? observation.RunAsync(start, side.Token)
            : Task.CompletedTask;
        var cpu = new CpuSampler(target.Processes, options.Isolation, time);
        // Twice if need be: a shop's first /metrics (the exporter's first collection) can outlast the scraper's timeout.
        var counted = microsPerRefusal is not null && target.Cluster is null
            ? await scraper.ScrapeOnceAsync(start, ct) ?? await scraper.ScrapeOnceAsync(start, ct)
            : null;
        var cpuAtStart = cpu.Take();
        var accounting = counted is null ? null : AccountAsync(label, scraper, cpu, cpuAtStart, counted, start, streams[0].Phases[0].Duration, microsPerRefusal!.Value, ct);
        try
        {
            await generator.RunAsync(plan, recorder, start, ct);
        }
        finally
        {
            await side.CancelAsync();
            await watching;
            await scraping;
        }
        var account = accounting is null ? null : await accounting;
        if (limitScrape is not null && ProcessingDelays(scraper.Samples) is { } delays)
            logger.LogInformation("{Label}: the shop's CPU queue (standing processing delay, every scrape): {Delays}", label, delays);
        // The generator ends quietly on Ctrl-C: without this, a capacity search went on through empty steps that "met the SLO".
        ct.ThrowIfCancellationRequested();
        var health = RunHealth.Of(cpu.Since(cpuAtStart), generator.SendLag);
        logger.LogInformation("{Label}: {Health}", label, health.Describe());
        if (label != "warm-up") Record(mode, BenchRun.From(label, streams[0].Phases[0].Duration.TotalSeconds, streams[0].Phases[0].StartRps, health));

        if (AnswerBreakdown.All(recorder.Classes) is { } answers)
            logger.LogInformation("{Label}: answers by class: {Answers}", label, answers);
        if (AnswerBreakdown.Latencies(recorder.Classes) is { } latencies)
            logger.LogInformation("{Label}: latency by class, p50/p99 ms: {Latencies}", label, latencies);
        if (AnswerBreakdown.Late(recorder.Classes) is { } late)
            logger.LogInformation("{Label}: answers slower than the deadline by the lab's clock: {Late}", label, late);

        var classes = recorder.Classes.Values;
        var offered = classes.Sum(c => c.Offered);
        var failures = classes.Sum(c => c.Count(Outcome.Error) + c.Count(Outcome.Timeout) + c.Count(Outcome.Shed) + c.Count(Outcome.Limited));
        var shed = LatencyHistogram.Merge(classes.Select(c => c.Shed));
        // Rates over the load's own phase: the tail after a spike is for the recovery, not the step.
        var seconds = streams[0].Phases[0].Duration.TotalSeconds;
        var inStep = recorder.Timeline.Summaries((int)Math.Ceiling(plan.Duration.TotalSeconds) + 1);
        var stepSeconds = (int)Math.Ceiling(seconds);
        return new StepMeasurement(
            inStep.Take(stepSeconds).Sum(s => s.Offered) / seconds,
            inStep.Take(stepSeconds).Sum(s => s.Good) / seconds,
            inStep.Take(stepSeconds).Sum(s => s.CheckoutGood) / seconds,
            LatencyHistogram.Merge(classes.Select(c => c.All)).PercentileMs(99),
            LatencyHistogram.Merge(classes.Select(c => c.Successful)).PercentileMs(99),
            shed.PercentileMs(99),
            offered == 0 ? 0 : failures / (double)offered,
            classes.Sum(c => c.Count(Outcome.Dropped)),
            shed.Count == 0 ? 1.0 : shed.FractionAtOrBelow(10_000),
            classes.Sum(c => c.Count(Outcome.Shed)),
            classes.Sum(c => c.Count(Outcome.Limited)),
            classes.Sum(c => c.ServerErrors),
            classes.Sum(c => c.Count(Outcome.Timeout)),
            classes.Sum(c => c.SlowerThanDeadline),
            [.. inStep.Select(s => s.Completed == 0 ? 0 : s.P99Ms)])
        {
            Succeeded = classes.Sum(c => c.Count(Outcome.Success)),
            Health = health,
            Cpu = account,
            LimitConvergenceSeconds = limitScrape is null ? double.NaN : LimitConvergence.Seconds(scraper.Samples, streams[0].Phases[0].Duration),
            Cluster = observation is null ? null
                : ClusterStep.From(health.Validity.Valid, observation.PerInstance(), observation.Connections(), observation.Answers.Answers, seconds, observation.ScrapeFailures),
        };
    }

    /// <summary>Median and highest standing processing delay over a step's scrapes, in ms; null when the shop exports none.</summary>
    static string? ProcessingDelays(IReadOnlyList<Metrics.PoolSample> samples)
    {
        var delays = samples.Select(s => s.ProcessingDelayStanding).OfType<double>().Order().ToList();
        return delays.Count == 0 ? null : $"median {delays[delays.Count / 2] * 1000:0.#} ms, max {delays[^1] * 1000:0.#} ms over {delays.Count} scrapes";
    }

    /// <summary>The server's counters and the SUT's CPU from the step's start to the end of its load phase (not a calm tail, not the drain).</summary>
    async Task<CpuAccount> AccountAsync(string label, Metrics.MetricsScraper scraper, CpuSampler cpu, CpuSnapshot cpuAtStart, Metrics.PoolSample before, long start,
        TimeSpan length, double microsPerRefusal, CancellationToken ct)
    {
        var wait = length - time.GetElapsedTime(start);
        if (wait > TimeSpan.Zero) await Task.Delay(wait, time, ct);
        var used = cpu.Since(cpuAtStart);
        var after = await scraper.ScrapeOnceAsync(start, ct);
        // Which queue or limit said no: the first thing to read when goodput falls.
        if (after is not null && Metrics.PoolSample.DescribeRefusals(before, after) is { } refusals)
            logger.LogInformation("{Label}: the shop refused (priority, reason): {Refusals}", label, refusals);
        return CpuAccount.Of(used, Difference(before.RequestsTotal, after?.RequestsTotal), Difference(before.RefusedTotal, after?.RefusedTotal), microsPerRefusal);

        static double Difference(double? from, double? to) => from is { } a && to is { } b ? b - a : double.NaN;
    }

    /// <summary>The repeats' medians over valid runs only; CPU and lag over all of them, since they explain the invalid ones.</summary>
    internal static OverloadStep Summarize(double multiplier, IReadOnlyList<StepMeasurement> runs)
    {
        Spread Valid(Func<StepMeasurement, double> value) => Spread.Of(runs, s => s.Health.Validity.Valid ? value(s) : double.NaN);
        return new OverloadStep(
            multiplier,
            runs.Count > 0 ? runs[0].Seconds : 0,
            Valid(s => s.OfferedRps),
            Valid(s => s.GoodputRps),
            Valid(s => s.CapacityRps > 0 ? s.GoodputRps / s.CapacityRps : 0),
            Valid(s => s.CheckoutGoodputRps),
            Valid(s => s.P99AdmittedMs),
            Valid(s => s.Shed > 0 ? s.P99ShedMs : double.NaN),
            Valid(s => s.ShedWithin10msShare),
            Valid(s => s.Shed),
            Valid(s => s.Limited),
            Valid(s => s.Other5xx),
            Valid(s => s.Timeouts),
            Valid(s => s.SlowerThanDeadline),
            Valid(s => s.Dropped))
        {
            SutCpuShare = Spread.Of(runs, s => s.Health.Cpu.SutShare),
            LoadCpuShare = Spread.Of(runs, s => s.Health.Cpu.LoadShare),
            GeneratorLagP99Ms = Spread.Of(runs, s => s.Health.LagP99Ms),
            LimitConvergenceSeconds = runs.All(s => double.IsNaN(s.LimitConvergenceSeconds)) ? null : Valid(s => s.LimitConvergenceSeconds),
            Invalid = [.. runs.Where(s => !s.Health.Validity.Valid).Select(s => s.Health.Validity.Reason!)],
            Cluster = runs.Any(s => s.Cluster is not null) ? [.. runs.Select(s => s.Cluster).OfType<ClusterStep>()] : null,
            Cpu = runs.Any(s => s.Cpu is not null) ? CpuAccountSpread.Of([.. runs.Select(s => s.Cpu ?? CpuAccount.Unknown)]) : null,
        };
    }

    static HotSkuSummary SummarizeSales(IReadOnlyList<HotSkuResult> sales, IReadOnlyList<Ceiling> ceilings) => new(
        Spread.Of(sales, s => s.Audit.LiveOrders),
        Spread.Of(sales, s => s.Oversold),
        Spread.Of(sales, s => s.SellOutSeconds),
        Spread.Of(sales, s => s.AllAnsweredSeconds),
        Spread.Of(ceilings, c => c.HotRow),
        Spread.Of(sales, s => s.SellOutSeconds > 0 ? s.Audit.LiveOrders / s.SellOutSeconds : double.NaN),
        Spread.Of(sales, s => s.Loop.Shed),
        sales.All(s => s.Balanced),
        [.. sales.Select(s => new HotSkuRun(s.ProductId, s.Audit.LiveOrders, s.Audit.PaidOrders, s.Oversold, s.Balanced, s.SellOutSeconds, s.AllAnsweredSeconds,
            s.Loop.Shed, s.Loop.Limited, s.Loop.Errors, s.Loop.Timeouts, s.Loop.Checkout.P99Ms))]);
}
