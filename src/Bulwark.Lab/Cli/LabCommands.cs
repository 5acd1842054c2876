using System.CommandLine;
using Bulwark.Lab.Chaos;
using Bulwark.Lab.Orchestration;
using Bulwark.Lab.Reports;
using Bulwark.Lab.Scenarios;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Bulwark.Lab.Cli;

/// <summary>
/// <c>lab incident &lt;1..5|all&gt;</c>, <c>lab bench</c>, <c>lab smoke</c>, <c>lab chaos</c>: parsing and wiring only;
/// the work is in <see cref="ScenarioRunner"/>, <see cref="Bench.BenchSuite"/> and <see cref="Chaos.ChaosRunner"/>.
/// </summary>
public sealed class LabCommands(IAnsiConsole console, TimeProvider time)
{
    public const int Succeeded = 0;
    public const int RunFailed = 1;
    public const int UsageError = 2;
    public const int Cancelled = 130;

    readonly LabOptions _options = new();

    public RootCommand Build()
    {
        var root = new RootCommand("Bulwark load lab: replays the five pool-exhaustion incidents against the naive and the guarded shop, and benchmarks it.");
        foreach (var option in _options.All) root.Options.Add(option);

        var which = new Argument<string>("incident") { Description = "1 to 5, or all." };
        which.AcceptOnlyFromAmong("1", "2", "3", "4", "5", "all");
        var (onCluster, clusterInstances) = ClusterChoice(
            "Run each mode on the scale-out cluster (nginx → N shops → PgBouncer → primary + standby), brought up for it and taken down after; " +
            "the guarded run also kills one instance and stops the standby mid-run. Writes <out>/cluster-incident-N.",
            minInstances: 2, "one is killed mid-run");
        var incident = new Command("incident", "Replay an incident's trigger against naive and guarded shops and report both side by side.") { which, onCluster, clusterInstances };
        incident.SetAction((parse, ct) => RunAsync(parse, ct, options =>
        {
            var chosen = parse.GetValue(which)!;
            return chosen == "all" ? IncidentCatalog.All : [IncidentCatalog.ByNumber(int.Parse(chosen, System.Globalization.CultureInfo.InvariantCulture))];
        }, requireClean: false, adjust: parse.GetValue(onCluster) ? options => options with { ClusterInstances = parse.GetValue(clusterInstances) } : null));
        root.Subcommands.Add(incident);

        var smoke = new Command("smoke", "A few seconds of light traffic against the guarded shop (or --target); fails on any error. For CI.");
        smoke.SetAction((parse, ct) => RunAsync(parse, ct, _ => [IncidentCatalog.Smoke], requireClean: true, smokeModes: true));
        root.Subcommands.Add(smoke);

        var repeats = new Option<int>("--repeats") { Description = "Repeat every measurement this many times (medians with min–max).", DefaultValueFactory = _ => Bench.BenchSuite.DefaultRepeats };
        repeats.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10) r.AddError("--repeats must be between 1 and 10.");
        });
        var step = new Option<TimeSpan?>("--step")
        {
            Description = "Length of each capacity step and short overload step (default 5s).",
            CustomParser = LabOptions.DurationWithin("--step", TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(2), "steps are bounded"),
        };
        var longStep = new Option<TimeSpan?>("--long-step")
        {
            Description = "Length of the 5× and 10× overload steps (with --cluster: the 5× step; default 60s, as issues 3 and 5 ask).",
            CustomParser = LabOptions.DurationWithin("--long-step", TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), "steps are bounded"),
        };
        var noHotSku = new Option<bool>("--no-hot-sku") { Description = "Skip the hot-SKU sell-out (it signs in 2,000 buyers per mode)." };
        var aggressive = new Option<bool>("--aggressive")
        {
            Description = $"Also run the last overload step (10×; 5× with --cluster) with clients that retry every refusal at once (up to {Bench.BenchTarget.AggressiveRetries} times, no Retry-After), beside the polite one.",
        };
        var mixCapacity = new Option<double?>("--mix-capacity")
        {
            Description = "Skip pgbench, the capacity search and the cost runs: take this as the mix's capacity (req/s, from an earlier bench) and run the overload sweep only — minutes instead of most of an hour, to try a setting. Its report says so; do not publish it in place of a full bench.",
        };
        mixCapacity.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is { } c && (c < 1 || c > 100_000)) r.AddError("--mix-capacity must be between 1 and 100000 req/s.");
        });
        var (benchOnCluster, benchInstances) = ClusterChoice(
            "Run the bench through nginx on the scale-out cluster (nginx → N shops → PgBouncer → primary + standby), brought up per mode and taken down after. " +
            "A reduced plan: " + Bench.BenchPlan.Cluster.Describe(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60), capacityGiven: false, hotSku: false, aggressive: false) +
            " (--repeats, --step, --long-step, --mix-capacity and --aggressive apply); beside each step: requests/s per instance, catalog reads on the standby vs the primary, " +
            "server connections vs the shared budget and who answered (nginx or a shop). No faults are injected. Writes <out>/bench-cluster.",
            minInstances: 1, "the machine has 2 cores");
        var bench = new Command("bench", "pgbench ceiling, capacity at SLO, overload sweep 0.5×–10×, recovery and hot-SKU sell-out, repeated; writes <out>/bench (--cluster: <out>/bench-cluster).")
        {
            repeats, step, longStep, noHotSku, aggressive, mixCapacity, benchOnCluster, benchInstances,
        };
        _readBench = parse => new BenchChoices(
            parse.GetValue(repeats),
            parse.GetValue(step) ?? TimeSpan.FromSeconds(5),
            parse.GetValue(longStep) ?? TimeSpan.FromSeconds(60),
            !parse.GetValue(noHotSku),
            parse.GetValue(aggressive),
            parse.GetValue(mixCapacity),
            parse.GetValue(benchOnCluster) ? parse.GetValue(benchInstances) : null);
        bench.SetAction((parse, ct) => BenchAsync(parse, ReadBench(parse), ct));
        root.Subcommands.Add(bench);

        var baselineRepeats = new Option<int>("--repeats") { Description = "Repeat every measurement this many times.", DefaultValueFactory = _ => 3 };
        baselineRepeats.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10) r.AddError("--repeats must be between 1 and 10.");
        });
        var baselineStep = new Option<TimeSpan?>("--step")
        {
            Description = "Length of each wrk, pgbench and checkout run (default 5s).",
            CustomParser = LabOptions.DurationWithin("--step", TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(2), "steps are bounded"),
        };
        var concurrencies = new Option<int[]>("--concurrency")
        {
            Description = "Fixed concurrencies to measure (default 8 32 128).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [.. Bench.BaselineSuite.DefaultConcurrencies],
        };
        concurrencies.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int[]>() is not { Length: > 0 } values || values.Any(v => v is < 1 or > 2_000))
                r.AddError("--concurrency takes 1 to 2,000 per value.");
        });
        var baseline = new Command("baseline", "Issue 2's baseline: wrk on a category page and the lab's buyers on checkout at fixed concurrencies, beside pgbench running the same SQL; writes <out>/baseline.")
        {
            baselineRepeats, baselineStep, concurrencies,
        };
        baseline.SetAction((parse, ct) => BaselineAsync(parse, parse.GetValue(baselineRepeats), parse.GetValue(baselineStep) ?? TimeSpan.FromSeconds(5),
            parse.GetValue(concurrencies) ?? [.. Bench.BaselineSuite.DefaultConcurrencies], ct));
        root.Subcommands.Add(baseline);

        root.Subcommands.Add(ChaosCommand());
        root.Subcommands.Add(SaleCommand());
        root.Subcommands.Add(ClusterCommand());

        var document = new Option<string?>("--doc") { Description = "The file to write (default docs/benchmarks.md in the repository)." };
        var docs = new Command("docs", "Write docs/benchmarks.md from <out>/{baseline,bench,incident-*,cluster-incident-*,chaos,sale}/summary.json (text outside the lab's markers is kept).") { document };
        docs.SetAction((parse, ct) => DocsAsync(parse, parse.GetValue(document), ct));
        root.Subcommands.Add(docs);
        return root;
    }

    /// <summary><c>--cluster</c> and <c>--instances</c>, as <c>incident</c> and <c>bench</c> each take them.</summary>
    static (Option<bool> OnCluster, Option<int> Instances) ClusterChoice(string description, int minInstances, string whyMin)
    {
        var onCluster = new Option<bool>("--cluster") { Description = description };
        var instances = new Option<int>("--instances") { Description = "Shop instances for --cluster.", DefaultValueFactory = _ => Cluster.ClusterRequest.DefaultInstances };
        instances.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < minInstances || r.GetValueOrDefault<int>() > 8) r.AddError($"--instances must be between {minInstances} and 8 ({whyMin}).");
        });
        return (onCluster, instances);
    }

    Func<ParseResult, BenchChoices>? _readBench;

    /// <summary>What <c>lab bench</c> was asked for (after <see cref="Build"/>), apart from the options every command shares.</summary>
    internal BenchChoices ReadBench(ParseResult parse) => (_readBench ?? throw new InvalidOperationException("Build() the commands first."))(parse);

    /// <summary><c>lab cluster up [--instances N]</c> / <c>lab cluster down</c>: issue 12's topology, left running between the two.</summary>
    Command ClusterCommand()
    {
        var instances = new Option<int>("--instances") { Description = "Shop instances behind nginx.", DefaultValueFactory = _ => Cluster.ClusterRequest.DefaultInstances };
        instances.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 16) r.AddError("--instances must be between 1 and 16.");
        });
        var up = new Command("up", "Start a PostgreSQL primary, a streaming standby, PgBouncer, the payment sandbox, N shops and nginx on loopback; writes <out>/cluster/cluster.json and returns with them running.") { instances };
        up.SetAction((parse, ct) => ClusterAsync(parse, async (launcher, files) =>
        {
            var manifest = await launcher.UpAsync(new Cluster.ClusterRequest(parse.GetValue(instances), parse.GetValue(_options.AdminEmail), parse.GetValue(_options.AdminPassword)), ct);
            console.MarkupLine($"[green]Cluster up.[/] nginx: [link]{Markup.Escape(manifest.Nginx!)}[/]");
            foreach (var (instance, number) in manifest.Instances.Select((i, n) => (i, n + 1)))
                console.MarkupLine($"  shop {number}: {Markup.Escape(instance.Url)} (pid {instance.Pid})");
            console.MarkupLine($"  PgBouncer: {Markup.Escape(manifest.PgBouncer!)}");
            console.MarkupLine($"  primary: {Markup.Escape(manifest.Primary!)}");
            console.MarkupLine($"  standby: {Markup.Escape(string.Join(", ", manifest.Standbys))}");
            console.MarkupLine($"  budget: {manifest.Budget} server connections shared by the live instances");
            console.MarkupLine($"Written: {Markup.Escape(files.Manifest)}. Stop it all with `lab cluster down`.");
            return Succeeded;
        }, ct));
        var down = new Command("down", "Stop everything `lab cluster up` started (from <out>/cluster/cluster.json).");
        down.SetAction((parse, ct) => ClusterAsync(parse, async (launcher, files) =>
        {
            console.MarkupLine(await launcher.DownAsync(ct)
                ? "[green]Cluster down:[/] nginx, the shops, the sandbox, PgBouncer and PostgreSQL stopped."
                : $"No cluster is up (no {Markup.Escape(files.Manifest)}).");
            return Succeeded;
        }, ct));
        return new Command("cluster", "Issue 12's scale-out topology on loopback: nginx → N shops → PgBouncer → PostgreSQL primary, a streaming standby for reads.") { up, down };
    }

    async Task<int> ClusterAsync(ParseResult parse, Func<Cluster.ClusterLauncher, Cluster.ClusterFiles, Task<int>> run, CancellationToken ct)
    {
        var logger = new ConsoleLogger(console, LogLevel.Information);
        try
        {
            var repo = RepoLayout.Find();
            var files = new Cluster.ClusterFiles(Path.Combine(Path.GetFullPath(parse.GetValue(_options.Out) ?? Path.Combine(repo.Root, "lab-results")), "cluster"));
            return await run(new Cluster.ClusterLauncher(repo, files, logger), files);
        }
        catch (Exception e) when (e is Cluster.ClusterAlreadyUpException or Cluster.ClusterStartException or InvalidOperationException
                                      or LocalPostgres.PostgresNotInstalledException or LocalPostgres.PostgresStartFailedException)
        {
            console.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
            return e is Cluster.ClusterAlreadyUpException ? UsageError : RunFailed;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            console.MarkupLine("[yellow]Cancelled.[/]");
            return Cancelled;
        }
    }

    Command ChaosCommand()
    {
        var faults = new Option<string[]>("--faults")
        {
            Description = "Faults to run, in order (default all four).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [.. ChaosFaults.All.Select(f => f.Key())],
        };
        faults.AcceptOnlyFromAmong([.. ChaosFaults.All.Select(f => f.Key())]);
        var before = new Option<TimeSpan?>("--before")
        {
            Description = "Load before each fault (default 10s).",
            CustomParser = LabOptions.DurationWithin("--before", TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(2), "a run must stop by itself"),
        };
        var after = new Option<TimeSpan?>("--after")
        {
            Description = "Load after each fault is lifted, to see the recovery (default 30s: a shop restarted on a busy machine can take 20 s to be ready).",
            CustomParser = LabOptions.DurationWithin("--after", TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), "a run must stop by itself"),
        };
        var length = new Option<TimeSpan?>("--fault-length")
        {
            Description = "How long every fault lasts (default: shop started again at once, database down 5s, hung 10s, gateway out 15s).",
            CustomParser = LabOptions.DurationWithin("--fault-length", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2), "a run must stop by itself"),
        };
        var chaos = new Command("chaos", "Shop crash, PostgreSQL crash, PostgreSQL hang and gateway outage under a storefront load; answers, recovery and the ledger check per fault; writes <out>/chaos.")
        {
            faults, before, after, length,
        };
        chaos.SetAction((parse, ct) => ChaosAsync(parse, new ChaosChoices(
            [.. (parse.GetValue(faults) ?? []).Distinct().Select(ChaosFaults.Parse)],
            parse.GetValue(before) ?? TimeSpan.FromSeconds(10),
            parse.GetValue(after) ?? TimeSpan.FromSeconds(30),
            parse.GetValue(length)), ct));
        return chaos;
    }

    async Task<int> ChaosAsync(ParseResult parse, ChaosChoices choices, CancellationToken ct)
    {
        if (!TryPrepare(parse, out var options, out var repo, out var logger)) return UsageError;
        if (options.Target is not null || repo is null)
        {
            console.MarkupLine("[red]Chaos kills and freezes the shop, its PostgreSQL and the gateway: it starts its own, from the repository, without --target.[/]");
            return UsageError;
        }
        await IsolateAsync(options, logger, ct);
        try
        {
            return await ShowWrittenAsync("Chaos", async () =>
            {
                var (report, directory) = await new ChaosRunner(repo, options, choices, time, logger).RunAsync(ct);
                return (directory, report.Faults.All(f => f.Passed));
            }, ct);
        }
        // Setting up is not a fault under test: say why it could not start rather than print a stack trace.
        catch (Exception e) when (e is ShopStartException or Shop.LabSetupException or LocalPostgres.PostgresStartFailedException)
        {
            console.MarkupLine($"[red]Chaos could not set up its shop, PostgreSQL or sandbox: {Markup.Escape(e.Message)}[/]");
            return RunFailed;
        }
    }

    Command SaleCommand()
    {
        var units = new Option<int>("--units") { Description = "Units on sale (default 500).", DefaultValueFactory = _ => 500 };
        units.Validators.Add(result => { if (result.GetValue(units) is < 1 or > 100_000) result.AddError("--units must be 1..100000."); });
        var buyers = new Option<int>("--buyers") { Description = "Buyers arriving around the opening (default 2000).", DefaultValueFactory = _ => 2_000 };
        buyers.Validators.Add(result => { if (result.GetValue(buyers) is < 1 or > 20_000) result.AddError("--buyers must be 1..20000."); });
        var (onCluster, instances) = ClusterChoice(
            "Run each mode on the scale-out cluster (nginx → N shops → PgBouncer → primary + standby), brought up for it and taken down after; " +
            "no fault is injected. Writes <out>/sale-cluster.",
            minInstances: 1, "the machine has 2 cores");
        var sale = new Command("sale", "A flash sale: units of one product opening at T, buyers arriving in the 10 s before and after, naive vs guarded with the waiting room; writes <out>/sale (--cluster: <out>/sale-cluster).")
        {
            units, buyers, onCluster, instances,
        };
        sale.SetAction((parse, ct) => SaleAsync(parse, new Sale.SalePlan { Units = parse.GetValue(units), Buyers = parse.GetValue(buyers) },
            parse.GetValue(onCluster) ? parse.GetValue(instances) : null, ct));
        return sale;
    }

    async Task<int> SaleAsync(ParseResult parse, Sale.SalePlan plan, int? clusterInstances, CancellationToken ct)
    {
        if (!TryPrepare(parse, out var options, out var repo, out var logger)) return UsageError;
        if (clusterInstances is { } instances) options = options with { ClusterInstances = instances };
        await IsolateAsync(options, logger, ct);
        try
        {
            return await ShowWrittenAsync("Sale", async () =>
            {
                var (report, directory) = await new Sale.FlashSaleRunner(repo, options, plan, time, logger).RunAsync(ct);
                return (directory, report.Modes.All(m => m.Failure is null && m.Oversold == 0 && m.Balanced));
            }, ct);
        }
        catch (Exception e) when (e is ShopStartException or Shop.LabSetupException or LocalPostgres.PostgresStartFailedException)
        {
            console.MarkupLine($"[red]The sale could not set up its shop or PostgreSQL: {Markup.Escape(e.Message)}[/]");
            return RunFailed;
        }
    }

    async Task<int> BaselineAsync(ParseResult parse, int repeats, TimeSpan step, int[] concurrencies, CancellationToken ct)
    {
        if (!TryPrepare(parse, out var options, out var repo, out var logger)) return UsageError;
        if (options.Target is not null || repo is null)
        {
            console.MarkupLine("[red]The baseline starts its own PostgreSQL and shop (pgbench needs the database): run it from the repository, without --target.[/]");
            return UsageError;
        }
        await IsolateAsync(options, logger, ct);
        var suite = new Bench.BaselineSuite(repo, options, time, logger) { Repeats = repeats, StepLength = step, Concurrencies = [.. concurrencies.Distinct().Order()] };
        return await ShowWrittenAsync("Baseline", async () => (await suite.RunAsync(ct), true), ct);
    }

    async Task<int> DocsAsync(ParseResult parse, string? document, CancellationToken ct)
    {
        if (!TryPrepare(parse, out var options, out var repo, out _)) return UsageError;
        var path = Path.GetFullPath(document ?? Path.Combine(repo?.Root ?? Environment.CurrentDirectory, "docs", "benchmarks.md"));
        await Bench.BenchmarksDocument.WriteAsync(options.OutputRoot, path, ct);
        console.MarkupLine($"[green]Written:[/] {Markup.Escape(path)}");
        return Succeeded;
    }

    async Task<int> RunAsync(ParseResult parse, CancellationToken ct, Func<LabRunOptions, IReadOnlyList<ScenarioDefinition>> scenarios, bool requireClean, bool smokeModes = false,
        Func<LabRunOptions, LabRunOptions>? adjust = null)
    {
        if (!TryPrepare(parse, out var options, out var repo, out var logger)) return UsageError;
        if (adjust is not null) options = adjust(options);
        if (options is { ClusterInstances: not null, Target: not null })
        {
            console.MarkupLine("[red]--cluster brings up its own cluster; it cannot be combined with --target.[/]");
            return UsageError;
        }
        if (smokeModes && options.Target is null && parse.GetResult(_options.Modes) is null or { Implicit: true }) options = options with { Modes = [ScenarioRunner.Guarded] };
        // Smoke checks that the path works, it measures nothing: it must not wait for other people's builds.
        if (smokeModes) options = options with { Quiet = QuietPolicy.None };
        await IsolateAsync(options, logger, ct);

        var display = new LiveDisplay(console, time);
        var runner = new ScenarioRunner(repo, options, time, logger, display.WatchAsync);
        var exit = Succeeded;
        try
        {
            foreach (var scenario in scenarios(options))
            {
                var (report, files) = await runner.RunAsync(scenario, ct);
                ShowSummary(report, files);
                if (report.Modes.Values.Any(m => m.Failure is not null)) exit = RunFailed;
                if (requireClean && report.Modes.Values.Any(IsUnclean)) exit = RunFailed;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            console.MarkupLine("[yellow]Cancelled; every process the lab started has been stopped.[/]");
            return Cancelled;
        }
        return exit;
    }

    /// <param name="ClusterInstances">With <c>--cluster</c>: the shops behind nginx; null for the single-shop bench.</param>
    internal sealed record BenchChoices(int Repeats, TimeSpan StepLength, TimeSpan LongStepLength, bool HotSku, bool Aggressive, double? MixCapacity, int? ClusterInstances = null);

    async Task<int> BenchAsync(ParseResult parse, BenchChoices settings, CancellationToken ct)
    {
        if (!TryPrepare(parse, out var options, out var repo, out var logger)) return UsageError;
        if (settings.ClusterInstances is { } instances)
        {
            if (options.Target is not null || repo is null)
            {
                console.MarkupLine("[red]--cluster brings up its own cluster from the repository; it cannot be combined with --target.[/]");
                return UsageError;
            }
            options = options with { ClusterInstances = instances };
        }
        await IsolateAsync(options, logger, ct);
        var suite = new Bench.BenchSuite(repo, options, time, logger, new LiveDisplay(console, time).WatchAsync)
        {
            Repeats = settings.Repeats,
            StepLength = settings.StepLength,
            LongStepLength = settings.LongStepLength,
            HotSku = settings.HotSku,
            Aggressive = settings.Aggressive,
            GivenMixCapacity = settings.MixCapacity,
        };
        return await ShowWrittenAsync("Bench", async () => (await suite.RunAsync(ct), true), ct);
    }

    /// <summary>
    /// Runs a suite that writes <c>summary.md</c> into the folder it answers, and shows that summary; Ctrl-C
    /// ends it as <see cref="Cancelled"/>, once everything it started has been stopped.
    /// </summary>
    async Task<int> ShowWrittenAsync(string what, Func<Task<(string Directory, bool Passed)>> run, CancellationToken ct)
    {
        try
        {
            var (written, passed) = await run();
            console.MarkupLine($"[green]{what} written:[/] {Markup.Escape(written)}");
            console.WriteLine(await File.ReadAllTextAsync(Path.Combine(written, "summary.md"), ct));
            return passed ? Succeeded : RunFailed;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            console.MarkupLine("[yellow]Cancelled; every process the lab started has been stopped.[/]");
            return Cancelled;
        }
    }

    /// <summary>
    /// Moves the lab (every thread it has; later ones inherit) onto the load side's CPUs before it
    /// starts anything, so the generator never competes with the shop for a core.
    /// </summary>
    static async Task IsolateAsync(LabRunOptions options, ILogger logger, CancellationToken ct)
    {
        if (options.Isolation is not { } split)
        {
            logger.LogInformation("CPU isolation off: the shop, PostgreSQL and the load generator share every CPU");
            return;
        }
        await CpuAffinity.PinAsync(Environment.ProcessId, split.Load, ct);
        logger.LogInformation("CPU isolation: {Split} (the lab now runs on CPU {Allowed})", split.Describe(), CpuAffinity.AllowedFor(Environment.ProcessId));
    }

    bool TryPrepare(ParseResult parse, out LabRunOptions options, out RepoLayout? repo, out ILogger logger)
    {
        logger = new ConsoleLogger(console, LogLevel.Information);
        repo = null;
        try
        {
            repo = RepoLayout.Find();
        }
        catch (InvalidOperationException) when (parse.GetValue(_options.Target) is not null)
        {
            // A run against --target needs nothing from the repository.
        }
        catch (InvalidOperationException e)
        {
            console.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
            options = null!;
            return false;
        }

        var defaultOut = Path.Combine(repo?.Root ?? Environment.CurrentDirectory, "lab-results");
        if (!_options.TryRead(parse, defaultOut, out options, out var problem))
        {
            console.MarkupLine($"[red]{Markup.Escape(problem!)}[/]");
            return false;
        }
        return true;
    }

    /// <summary>What smoke tolerates: nothing. Every request answered, no error, no timeout, something sold, nothing oversold.</summary>
    static bool IsUnclean(ModeReport m) =>
        m.Failure is not null || m.Errors > 0 || m.Timeouts > 0 || m.Shed > 0 || m.Oversold > 0 || m.GoodputRps <= 0 || m.DroppedByGenerator > 0;

    void ShowSummary(ScenarioReport report, ReportWriter.Written files)
    {
        var table = new Table().Title(Markup.Escape(report.Scenario.Title)).AddColumn("");
        foreach (var mode in report.Modes.Keys) table.AddColumn(new TableColumn(Markup.Escape(mode)).RightAligned());
        void Row(string label, Func<ModeReport, string> cell) =>
            table.AddRow([label, .. report.Modes.Values.Select(m => Markup.Escape(cell(m)))]);

        Row("goodput req/s", m => m.GoodputRps.ToString("0.0"));
        Row("checkout goodput req/s", m => m.CheckoutGoodputRps.ToString("0.0"));
        Row("p99 of successes ms", m => m.P99Ms.ToString("0.0"));
        Row("errors", m => m.Errors.ToString());
        Row("shed (503)", m => m.Shed.ToString());
        Row("timeouts", m => m.Timeouts.ToString());
        Row("slower than deadline", m => m.SlowerThanDeadline.ToString());
        Row("dropped by generator", m => m.DroppedByGenerator.ToString());
        Row("orders paid", m => m.OrdersPaid.ToString());
        Row("oversold", m => m.Oversold.ToString());
        Row("failure", m => m.Failure ?? "");
        console.Write(table);
        console.MarkupLine($"Report: [link]{Markup.Escape(files.ReportHtml)}[/]");
    }
}
