using System.Security.Cryptography;
using Bulwark.Lab.Alerting;
using Bulwark.Lab.Arrivals;
using Bulwark.Lab.Cli;
using Bulwark.Lab.Cluster;
using Bulwark.Lab.Load;
using Bulwark.Lab.Measurement;
using Bulwark.Lab.Metrics;
using Bulwark.Lab.Orchestration;
using Bulwark.Lab.Reports;
using Bulwark.Lab.Shop;
using Bulwark.LocalPostgres;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bulwark.Lab.Scenarios;

/// <summary>
/// Plays a scenario against each mode in turn: a fresh PostgreSQL and a fresh shop per mode (so
/// neither inherits the other's sold stock or warm cache), the same seeded traffic, the same
/// interventions, then one report with the modes side by side.
/// </summary>
public sealed class ScenarioRunner(RepoLayout? repo, LabRunOptions options, TimeProvider time, ILogger logger, Func<LiveRun, CancellationToken, Task>? watch = null)
{
    public const string Naive = "naive";
    public const string Guarded = "guarded";
    public const string Target = "target";

    static readonly TimeSpan SetupAllowance = TimeSpan.FromMinutes(10);
    static readonly TimeSpan AuditAllowance = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long the lab's clients wait for an answer on the cluster: past nginx's stock 60 s proxy_read_timeout,
    /// so what nginx answers for a hung shop (incident 5's 504s) reaches the report instead of the lab's own timeout.
    /// </summary>
    public static readonly TimeSpan ClusterPatience = TimeSpan.FromSeconds(75);

    LoadLimits Limits => options.ClusterInstances is null || options.Limits.RequestTimeout >= ClusterPatience
        ? options.Limits
        : options.Limits with { RequestTimeout = ClusterPatience };

    public async Task<(ScenarioReport Report, ReportWriter.Written Files)> RunAsync(ScenarioDefinition definition, CancellationToken ct)
    {
        var scenario = definition.Scaled(options.Duration, options.RateScale);
        if (options.ClusterInstances is { } instances)
            // Its own results folder ("cluster-incident-5"), so the single-shop replay's stays as it was; no alert
            // replay: Prometheus would scrape one instance of several.
            scenario = scenario with
            {
                Name = "cluster-" + scenario.Name,
                Title = $"{scenario.Title} — on the cluster ({instances} instances behind nginx)",
                ReplaysAlerts = false,
            };
        var directory = Path.Combine(options.OutputRoot, ReportWriter.SafeName(scenario.Name));
        Directory.CreateDirectory(directory);
        var startedAt = time.GetUtcNow();

        var modes = options.Target is null ? options.Modes : [Target];
        var reports = new Dictionary<string, ModeReport>();
        var quiet = new QuietMachine(options.Quiet, time, logger);
        var rules = scenario.ReplaysAlerts ? IncidentAlerting.LoadRules(repo, options.AlertTimeScale) : null;
        foreach (var mode in modes)
        {
            // The first mode waits for a quiet machine; the next only for others' test hosts, since the
            // load average still remembers the run just finished.
            var calm = await quiet.WaitAsync($"{scenario.Name} ({mode})", loadToo: mode == modes[0], ct);
            logger.LogInformation("{Scenario}: {Mode} run; {Load}", scenario.Title, mode, calm.Describe());
            var measured = await RunModeBoundedAsync(scenario, mode, directory, rules, ct);
            reports[mode] = measured with
            {
                LoadAverageAtStart = calm.AtStart.OneMinute,
                Notes = [.. measured.Notes, $"Machine at start: {calm.Describe()}."],
            };
        }

        var info = new ScenarioInfo(scenario.Name, scenario.Title, scenario.Trigger, scenario.Description,
            scenario.Duration.TotalSeconds, options.Seed, scenario.ServiceLevel.DefaultSlo.TotalMilliseconds,
            scenario.ServiceLevel.Deadline.TotalMilliseconds, startedAt, MachineInfo.Current(), scenario.PhaseInfos());
        var report = new ScenarioReport(info, reports);
        var files = await ReportWriter.WriteAsync(report, options.OutputRoot, ct);
        return (report, files);
    }

    /// <summary>One mode, bounded in time whatever happens inside; a failure becomes the mode's report rather than the end of the scenario.</summary>
    async Task<ModeReport> RunModeBoundedAsync(ScenarioDefinition scenario, string mode, string directory, TimeScaledRules? rules, CancellationToken ct)
    {
        var bound = SetupAllowance + scenario.Duration + Limits.RequestTimeout * 3 + AuditAllowance;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(bound);
        try
        {
            return await RunModeAsync(scenario, mode, directory, rules, bounded.Token);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
        {
            var reason = bounded.IsCancellationRequested ? $"the run exceeded its {bound.TotalMinutes:0} min bound" : e.Message;
            logger.LogError("{Mode} run of {Scenario} failed: {Reason}", mode, scenario.Name, reason);
            return ModeReportBuilder.Failed(mode, scenario.Duration, scenario.ServiceLevel, reason);
        }
    }

    async Task<ModeReport> RunModeAsync(ScenarioDefinition scenario, string mode, string directory, TimeScaledRules? rules, CancellationToken ct)
    {
        await using var cleanup = new AsyncCleanup();
        var notes = new List<string>();
        var events = new List<EventRecord>();
        var adminEmail = options.AdminEmail ?? "lab-admin@bulwark.test";
        var adminPassword = options.AdminPassword ?? "Lab!" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));

        Uri target;
        string? databaseConnectionString;
        SandboxHost? sandbox = null;
        ShopHost? shop = null;
        ShopLaunch? launch = null;
        FrontDoor? door = null;
        int? postmaster = null;
        ClusterUnderTest? topology = null;
        if (options.ClusterInstances is { } instances)
        {
            var owned = repo ?? throw new InvalidOperationException("Starting the cluster needs the repository.");
            topology = cleanup.Add(await ClusterUnderTest.UpAsync(owned, directory, mode, naive: mode == Naive, instances, adminEmail, adminPassword,
                options.Isolation, time, logger, ct));
            target = topology.Nginx;
            databaseConnectionString = topology.Primary;
            notes.Add($"On the cluster: {instances} shop instances behind nginx ({target}), PgBouncer, a primary and a streaming standby, brought up for this mode " +
                      $"and taken down after it; the lab waited up to {ClusterPatience.TotalSeconds:0} s for an answer, past nginx's stock 60 s proxy_read_timeout. " +
                      "The load's faults, if any, are listed as events; alerts were not replayed.");
            if (scenario.Deploy is not null) notes.Add("The rolling restart is not replayed on the cluster: the traffic ran without it.");
        }
        else if (options.Target is null)
        {
            var owned = repo ?? throw new InvalidOperationException("Starting the shop needs the repository; pass --target to use a running shop.");
            var cluster = cleanup.Add(await LocalPostgresCluster.StartEphemeralAsync(logger, ct, scenario.ServerMaxConnections));
            databaseConnectionString = cluster.ConnectionString;
            postmaster = await SutPlacement.PlacePostgresAsync(cluster, options.Isolation, ct);
            if (scenario.Gateway is not null) sandbox = cleanup.Add(await SandboxHost.StartAsync(owned, directory, options.Isolation?.Sut, logger, ct));

            launch = new ShopLaunch(mode, cluster.ConnectionString, mode == Guarded, adminEmail, adminPassword,
                sandbox?.BaseAddress, new Dictionary<string, string> { ["Logging:LogLevel:Default"] = "Warning" }) { Cpus = options.Isolation?.Sut };
            shop = cleanup.Add(await ShopHost.StartAsync(owned, launch, directory, logger, ct));
            target = shop.BaseAddress;
            door = new FrontDoor(target);
        }
        else
        {
            target = options.Target;
            databaseConnectionString = options.DatabaseConnectionString;
            if (scenario.Deploy is not null)
                notes.Add("Against --target the lab cannot roll out a deploy: the traffic ran without it.");
        }

        var limits = Limits;
        using var clients = ShopClients.Create(target, limits.MaxInFlight + 64, limits.RequestTimeout,
            LabHttp.AddressesFor(scenario.Fixture.Buyers + scenario.Fixture.Shoppers), door);
        // Accounts go straight into the database only when the lab owns it (a --database given with --target is someone else's).
        var fixture = await ShopFixture.PrepareAsync(clients,
            scenario.Fixture with { DatabaseConnectionString = options.Target is null ? databaseConnectionString : null }, time, logger, ct);

        if (scenario.IdleConnections is { } idle)
        {
            if (databaseConnectionString is null)
                notes.Add("Idle connections were not opened: pass --database with --target to reproduce them.");
            else
            {
                var hog = cleanup.Add(await IdleConnectionHog.OpenAsync(databaseConnectionString, idle.Count, idle.InTransaction, logger, ct));
                events.Add(new EventRecord(0, $"{idle.Count} connections held idle{(idle.InTransaction ? " in transaction" : "")} straight to PostgreSQL",
                    $"{hog.Held} held{(hog.StoppedBecause is null ? "" : $"; {hog.StoppedBecause}")}"));
            }
        }

        if (scenario.Gateway is { } faults)
            events.Add(new EventRecord(0, $"payment gateway slowed: {faults.LatencyMs} ms per charge, {faults.ErrorRate:P0} errors, {faults.TimeoutRate:P0} timeouts",
                await ApplyGatewayFaultsAsync(sandbox, topology?.Sandbox ?? options.Sandbox, faults, notes, ct)));

        var ledger = new PurchaseLedger();
        var actions = new ShopActions(clients, fixture, ledger, time);
        var plan = new LoadPlan(scenario.Streams, ArrivalProcess.Poisson, options.Seed, limits, scenario.ServiceLevel);
        var recorder = new RunRecorder(scenario.ServiceLevel, plan.Duration + plan.DrainAllowance) { OnCompleted = topology is null ? null : topology.Answers.Record };
        var generator = new LoadGenerator(actions, time, logger);
        // On the cluster every instance is scraped straight (nginx would pick one at random); instance 1's feeds the live display.
        var scraper = topology?.FirstScraper ?? cleanup.Add(new MetricsScraper(target, time, door));
        if (topology is not null) await topology.PrepareAsync(ct);
        // The operator's Prometheus and Alertmanager: observers, so on the load side's CPUs.
        var alerting = rules is null ? null
            : cleanup.Add(await IncidentAlerting.StartAsync(rules, target, options.Isolation?.Load, Path.Combine(directory, $"{mode}-"), time, logger, ct));

        logger.LogInformation("Load: {Expected:0} requests expected over {Duration:0} s", plan.ExpectedArrivals, plan.Duration.TotalSeconds);
        using var sideTasks = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var runStart = time.GetTimestamp();
        alerting?.LoadStarted(time.GetUtcNow());
        var scraping = topology is null
            ? scraper.RunAsync(runStart, TimeSpan.FromSeconds(1), sideTasks.Token)
            : topology.RunAsync(runStart, plan.Duration, events, sideTasks.Token);
        var cpu = new CpuSampler(topology?.Processes ?? new SutProcesses(shop?.ProcessId, postmaster, sandbox?.ProcessId), options.Isolation, time, alerting?.CpuTicks);
        var cpuAtStart = cpu.Take();
        var rollout = scenario.Deploy is { } deploy && launch is not null && door is not null
            ? RollOutAsync(deploy, launch, door, shop!, alerting, cpu, directory, runStart, events, cleanup, sideTasks.Token)
            : Task.FromResult<ShopHost?>(null);
        var watching = watch?.Invoke(new LiveRun(scenario.Name, mode, recorder, generator, scraper, plan.Duration, runStart), sideTasks.Token) ?? Task.CompletedTask;

        LoadRunSummary summary;
        try
        {
            summary = await generator.RunAsync(plan, recorder, runStart, ct);
        }
        finally
        {
            await sideTasks.CancelAsync();
            await Task.WhenAll(scraping, rollout, watching);
        }
        // After a rolling restart the new instance is the one that served the rest of the run.
        shop = await rollout ?? shop;
        ct.ThrowIfCancellationRequested();
        var health = RunHealth.Of(cpu.Since(cpuAtStart), generator.SendLag);
        IReadOnlyList<AlertFiring>? alerts = null;
        AlertingSetup? alertingSetup = null;
        if (alerting is not null)
        {
            (alerts, alertingSetup, var observerCpu) = await alerting.FinishAsync(scenario.TriggerFor(mode), ct);
            if (observerCpu is not null) notes.Add(observerCpu);
            await alerting.DisposeAsync();
        }
        notes.Add((options.Isolation is { } split ? $"CPU isolation: {split.Describe()}. " : "No CPU isolation: the shop, PostgreSQL and the generator shared every CPU. ") +
                  $"This run: {health.Describe()}.");

        string? failure = null;
        if (shop is { HasExited: true })
        {
            failure = $"the shop process exited (code {shop.ExitCode}) during the run; see {shop.LogPath}";
            notes.Add($"Last shop output: {shop.Tail()}");
        }

        ClusterRunReport? clusterReport = null;
        var poolSamples = scraper.Samples;
        if (topology is not null)
        {
            (clusterReport, poolSamples) = await topology.FinishAsync(ledger, plan.Duration.TotalSeconds, scenario.ServiceLevel.Deadline, ct);
            notes.AddRange(topology.ObservationNotes());
            notes.Add("CPU use of the system under test counts instance 1, the primary and the sandbox only; the pool series add up every instance's /metrics.");
        }

        AuditResult? audit = null;
        if (failure is null)
        {
            using var auditBound = CancellationTokenSource.CreateLinkedTokenSource(ct);
            auditBound.CancelAfter(AuditAllowance);
            try
            {
                audit = await OrderAudit.RunAsync(clients, fixture.Users.Buyers, logger, auditBound.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                notes.Add($"Reading the orders back took longer than {AuditAllowance.TotalMinutes:0} min and was abandoned.");
            }
        }
        if (audit is { Problem: { } problem }) notes.Add(problem);

        var dropped = recorder.Classes.Values.Sum(c => c.Count(Outcome.Dropped));
        if (dropped > 0)
            notes.Add($"{dropped} arrivals were not sent (in-flight cap {limits.MaxInFlight}, or every virtual buyer/shopper busy): " +
                      "their latency is not measured, and it would have been at least the slowest measured.");
        if (summary.End == RunEnd.RequestCap) notes.Add($"Stopped early at the request cap ({limits.MaxRequests}).");
        if (summary.StillInFlightAtEnd > 0) notes.Add($"{summary.StillInFlightAtEnd} requests still unanswered when the drain allowance ran out.");
        if (scraper.Failures > 0) notes.Add($"{scraper.Failures} /metrics scrapes failed (last: {scraper.LastError}).");

        return ModeReportBuilder.Build(new ModeRun(mode, recorder, summary, plan.Duration, poolSamples, scraper.Failures, audit, ledger,
            fixture.Catalog.InitialStock, events, notes, failure, alerts, alertingSetup)) with { Cluster = clusterReport };
    }

    async Task<string> ApplyGatewayFaultsAsync(SandboxHost? sandbox, Uri? sandboxAddress, GatewayFaults faults, List<string> notes, CancellationToken ct)
    {
        if (sandbox is not null) return "sandbox answered " + await sandbox.SetFaultsAsync(faults, ct);
        if (sandboxAddress is null)
        {
            notes.Add("The gateway was not slowed: pass --sandbox with --target to reproduce it.");
            return "skipped";
        }
        using var client = SandboxHost.ClientFor(sandboxAddress);
        return "sandbox answered " + await SandboxHost.SetFaultsAsync(client, faults, ct);
    }

    /// <summary>
    /// Incident 4 as it happened: a rolling restart onto a bad configuration. At the deploy's time a new
    /// instance starts with it (same database, same CPUs), the front door and Prometheus move to it once it
    /// is ready, and the old instance stops gracefully. Answers the new instance, or null if the load ended first.
    /// </summary>
    async Task<ShopHost?> RollOutAsync(RollingRestart deploy, ShopLaunch launch, FrontDoor door, ShopHost old, IncidentAlerting? alerting,
        CpuSampler cpu, string directory, long runStart, List<EventRecord> events, AsyncCleanup cleanup, CancellationToken ct)
    {
        double? at = null;
        try
        {
            var wait = deploy.At - time.GetElapsedTime(runStart);
            if (wait > TimeSpan.Zero) await Task.Delay(wait, time, ct);
            at = time.GetElapsedTime(runStart).TotalSeconds;
            var deployed = launch.Guarded
                ? launch with { Mode = launch.Mode + "-deployed", ExtraSettings = new Dictionary<string, string>(launch.ExtraSettings.Concat(deploy.GuardedSettings)) }
                : launch with
                {
                    Mode = launch.Mode + "-deployed",
                    ConnectionString = new NpgsqlConnectionStringBuilder(launch.ConnectionString) { MaxPoolSize = deploy.NaiveMaxPoolSize }.ConnectionString,
                };
            var what = launch.Guarded
                ? string.Join(", ", deploy.GuardedSettings.Select(setting => $"{setting.Key}={setting.Value}"))
                : $"Maximum Pool Size={deploy.NaiveMaxPoolSize}";
            var next = cleanup.Add(await ShopHost.StartAsync(repo!, deployed, directory, logger, ct));
            var ready = time.GetElapsedTime(runStart).TotalSeconds;
            door.MoveTo(next.BaseAddress);
            if (alerting is not null) await alerting.MoveTargetAsync(next.BaseAddress, ct);
            await cpu.ReplaceShopAsync(next.ProcessId, async () => await old.DisposeAsync());
            var outcome = $"ready {ready - at:0.0} s later; traffic moved to it and the old instance stopped" + await DeployOutcomeAsync(next, ct);
            lock (events) events.Add(new EventRecord(at.Value, $"rolling restart onto a deploy with {what}", outcome));
            logger.LogInformation("Rolling restart at {At:0.0} s: {Outcome}", at, outcome);
            return next;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Before the deploy's time (a shortened --duration) the report shows it by its absence; after it, the new
            // instance never became ready, so a rollout that waits for readiness kept the traffic on the old one.
            if (at is { } started)
                lock (events) events.Add(new EventRecord(started, "rolling restart", "the new instance was not ready when the load ended: the traffic stayed on the old instance"));
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException)
        {
            lock (events) events.Add(new EventRecord(at ?? time.GetElapsedTime(runStart).TotalSeconds, "rolling restart", "failed: " + e.Message));
            return null;
        }
    }

    /// <summary>What the new instance made of its configuration, from its metrics (the guarded shop refuses a pool below the measured peak).</summary>
    static async Task<string> DeployOutcomeAsync(ShopHost shop, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = shop.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var refused = PrometheusTextParser.Parse(await http.GetStringAsync("/metrics", ct))
            .FirstOrDefault(sample => sample.Name == "bulwark_settings_deploy_refused");
        return refused is null ? ""
            : refused.Value > 0 ? "; the new instance refused the deploy's settings and runs on the last good version"
            : "; the new instance applied the deploy's settings";
    }
}
