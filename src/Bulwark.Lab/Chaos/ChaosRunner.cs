using System.Collections.Concurrent;
using System.Security.Cryptography;
using Bulwark.Lab.Arrivals;
using Bulwark.Lab.Cli;
using Bulwark.Lab.Load;
using Bulwark.Lab.Orchestration;
using Bulwark.Lab.Reports;
using Bulwark.Lab.Scenarios;
using Bulwark.Lab.Shop;
using Bulwark.LocalPostgres;
using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Chaos;

/// <summary>What <c>lab chaos</c> was asked for.</summary>
/// <param name="FaultLength">How long every fault lasts; null: each its own default.</param>
public sealed record ChaosChoices(IReadOnlyList<ChaosFault> Faults, TimeSpan Before, TimeSpan After, TimeSpan? FaultLength);

/// <summary>
/// <c>lab chaos</c>: one guarded shop, its PostgreSQL and the payment sandbox as separate processes, taken
/// through each fault in turn under the storefront load; after each, once the reconciler has settled what
/// was in flight, the ledger is checked. Writes <c>&lt;out&gt;/chaos/summary.{json,md}</c>.
/// </summary>
public sealed class ChaosRunner(RepoLayout repo, LabRunOptions options, ChaosChoices choices, TimeProvider time, ILogger logger)
{
    const double StorefrontRps = 40;
    const double CheckoutRps = 8;

    /// <summary>The default SLO, but a purchase (cart, checkout, a charge that takes 300 ms in the crash run) gets a second.</summary>
    static readonly ServiceLevel Slo = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2),
        new Dictionary<RequestClass, TimeSpan> { [RequestClass.Checkout] = TimeSpan.FromSeconds(1) });

    static readonly TimeSpan ReconcileInterval = TimeSpan.FromMilliseconds(500);
    static readonly TimeSpan ReconcileAfter = TimeSpan.FromSeconds(2);
    static readonly TimeSpan AbandonAfter = TimeSpan.FromSeconds(3);

    /// <summary>The reconciler short, so that the ledger can be checked seconds after a fault rather than minutes.</summary>
    static readonly IReadOnlyDictionary<string, string> ShopSettings = new Dictionary<string, string>
    {
        ["Payments:ReconcileInterval"] = Setting(ReconcileInterval),
        ["Payments:ReconcileAfter"] = Setting(ReconcileAfter),
        ["Payments:AbandonAfter"] = Setting(AbandonAfter),
        ["Logging:LogLevel:Default"] = "Warning",
    };

    static string Setting(TimeSpan value) => value.ToString(@"hh\:mm\:ss\.fff", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every order left pending has been handed to the reconciler and abandoned or settled by then, with room for a slow pass.</summary>
    static readonly TimeSpan SettleBound = ReconcileAfter + AbandonAfter + ReconcileInterval * 2 + TimeSpan.FromSeconds(10);

    public async Task<(ChaosReport Report, string Directory)> RunAsync(CancellationToken ct)
    {
        var directory = Path.Combine(options.OutputRoot, ChaosReport.Folder);
        Directory.CreateDirectory(directory);
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();

        await using var cleanup = new AsyncCleanup();
        // Commits must survive the crash as on a real server (a throwaway cluster turns synchronous_commit off for speed).
        var cluster = cleanup.Add(await LocalPostgresCluster.StartEphemeralAsync(
            new LocalPostgresOptions { ServerSettings = new Dictionary<string, string> { ["synchronous_commit"] = "on" } }, logger, ct));
        await SutPlacement.PlacePostgresAsync(cluster, options.Isolation, ct);
        var sandbox = cleanup.Add(await SandboxHost.StartAsync(repo, directory, options.Isolation?.Sut, logger, ct));
        var launch = new ShopLaunch("chaos", cluster.ConnectionString, Guarded: true, "lab-admin@bulwark.test",
            "Lab!" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10)), sandbox.BaseAddress, ShopSettings) { Cpus = options.Isolation?.Sut };
        var environment = cleanup.Add(new ChaosEnvironment(repo, cluster, sandbox, await ShopHost.StartAsync(repo, launch, directory, logger, ct),
            launch, options.Isolation, directory, time, logger));

        var limits = options.Limits;
        var peak = Streams(TimeSpan.FromSeconds(1));
        var fixtureOptions = new FixtureOptions
        {
            Buyers = ScenarioDefinition.UsersFor(peak, RequestClass.Checkout, 20),
            Shoppers = ScenarioDefinition.UsersFor(peak, RequestClass.Cart, 20),
            DatabaseConnectionString = cluster.ConnectionString,
        };
        using var clients = ShopClients.Create(environment.Shop.BaseAddress, limits.MaxInFlight + 64, limits.RequestTimeout,
            LabHttp.AddressesFor(fixtureOptions.Buyers + fixtureOptions.Shoppers));
        var fixture = await ShopFixture.PrepareAsync(clients, fixtureOptions, time, logger, ct);
        var initialStock = await environment.Ledger.StockAsync(ct);
        var purchases = new PurchaseLedger();
        var actions = new ShopActions(clients, fixture, purchases, time);
        using var probeHttp = LabHttp.CreateLoadClient(environment.Shop.BaseAddress, 4);
        var probe = new ShopApi(probeHttp, TimeSpan.FromSeconds(1));

        // Unrecorded: a cold shop (JIT, empty catalog cache) would make the first fault's "before" look like a fault.
        logger.LogInformation("Chaos: warming the shop up for {Seconds:0} s", choices.Before.TotalSeconds);
        var warmUp = new LoadPlan(Streams(choices.Before), ArrivalProcess.Poisson, options.Seed - 1, limits, Slo);
        await new LoadGenerator(actions, time, logger).RunAsync(warmUp, new RunRecorder(Slo, warmUp.Duration + warmUp.DrainAllowance), time.GetTimestamp(), ct);

        var quiet = new QuietMachine(options.Quiet, time, logger);
        var faults = new List<FaultReport>();
        for (var i = 0; i < choices.Faults.Count; i++)
        {
            var fault = choices.Faults[i];
            // Only the first fault waits for a low load average: later ones would wait for the lab's own last run.
            var calm = await quiet.WaitAsync($"chaos {fault.Key()}", loadToo: i == 0, ct);
            logger.LogInformation("Chaos {Fault}: {Load}", fault.Key(), calm.Describe());
            faults.Add(await RunFaultBoundedAsync(fault, i, environment, actions, probe, initialStock, purchases, calm.Describe(), ct));
        }

        var settings = new ChaosSettings(choices.Before.TotalSeconds, choices.After.TotalSeconds, StorefrontRps * options.RateScale, CheckoutRps * options.RateScale,
            Slo.DefaultSlo.TotalMilliseconds, Slo.SloFor(RequestClass.Checkout).TotalMilliseconds, Slo.Deadline.TotalMilliseconds, ShopSettings);
        List<string> notes = [options.Isolation is { } split ? $"CPU isolation: {split.Describe()}." : "No CPU isolation: the shop, PostgreSQL and the generator shared every CPU."];
        var report = new ChaosReport(MachineInfo.Current(), startedAt, time.GetElapsedTime(started).TotalMinutes, settings, faults, notes);
        await File.WriteAllTextAsync(Path.Combine(directory, "summary.json"), System.Text.Json.JsonSerializer.Serialize(report, SummaryJson.Options), ct);
        await File.WriteAllTextAsync(Path.Combine(directory, "summary.md"), $"# lab chaos\n\n{ChaosMarkdown.Render(report)}", ct);
        return (report, directory);
    }

    IReadOnlyList<TrafficStream> Streams(TimeSpan length) =>
    [
        new TrafficStream("storefront", TrafficMix.Storefront, [ArrivalPhase.Constant("steady", length, StorefrontRps * options.RateScale)]),
        new TrafficStream("buyers", TrafficMix.Only(RequestClass.Checkout), [ArrivalPhase.Constant("steady", length, CheckoutRps * options.RateScale)]),
    ];

    /// <summary>One fault, bounded in time; a failure becomes the fault's report rather than the end of the run.</summary>
    async Task<FaultReport> RunFaultBoundedAsync(ChaosFault fault, int index, ChaosEnvironment environment, ShopActions actions, ShopApi probe,
        IReadOnlyDictionary<long, long> initialStock, PurchaseLedger purchases, string machineLoad, CancellationToken ct)
    {
        var length = choices.FaultLength ?? fault.DefaultLength();
        var loadLength = choices.Before + length + choices.After;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var bound = loadLength + options.Limits.RequestTimeout * 3 + TimeSpan.FromMinutes(4);
        bounded.CancelAfter(bound);
        var notes = new List<string>();
        try
        {
            var (window, seen) = await LoadWithFaultAsync(fault, index, length, loadLength, environment, actions, probe, notes, bounded.Token);
            var (settled, ledger) = await environment.Ledger.SettleAndJudgeAsync(initialStock, purchases, SettleBound, time, bounded.Token);
            logger.LogInformation("Chaos {Fault}: recovered in {Seconds}; ledger {Verdict}", fault.Key(),
                seen.Recovery.Seconds is { } s ? $"{s:0.0} s" : "–", ledger.Passed ? "pass" : string.Join("; ", ledger.Problems));
            return new FaultReport(fault.Key(), fault.Title(), fault.Describe(length), loadLength.TotalSeconds, window, seen, ledger, settled.TotalSeconds, machineLoad, notes, null);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
        {
            var reason = bounded.IsCancellationRequested ? $"the fault's run exceeded its {bound.TotalMinutes:0} min bound" : e.Message;
            logger.LogError("Chaos {Fault} failed: {Reason}", fault.Key(), reason);
            return new FaultReport(fault.Key(), fault.Title(), fault.Describe(length), loadLength.TotalSeconds, null, null, null, 0, machineLoad, notes, reason);
        }
    }

    async Task<(FaultWindow, LoadSeen)> LoadWithFaultAsync(ChaosFault fault, int index, TimeSpan length, TimeSpan loadLength, ChaosEnvironment environment,
        ShopActions actions, ShopApi probe, List<string> notes, CancellationToken ct)
    {
        var plan = new LoadPlan(Streams(loadLength), ArrivalProcess.Poisson, options.Seed + index, options.Limits, Slo);
        var completions = new ConcurrentQueue<CompletedRequest>();
        var probes = new ConcurrentQueue<ReadyProbe>();
        var recorder = new RunRecorder(Slo, plan.Duration + plan.DrainAllowance) { OnCompleted = completions.Enqueue };
        await environment.PrepareAsync(fault, ct);

        using var probing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var runStart = time.GetTimestamp();
        var readiness = ReadinessProbe.RunAsync(probe, time, runStart, probes, probing.Token);
        var injecting = InjectAfterAsync(fault, length, environment, () => time.GetElapsedTime(runStart), notes, ct);
        var loading = new LoadGenerator(actions, time, logger).RunAsync(plan, recorder, runStart, ct);
        try
        {
            // Both, even if one fails: the fault must be lifted before the run moves on.
            await Task.WhenAll(loading, injecting);
        }
        finally
        {
            await probing.CancelAsync();
            await readiness;
        }

        var summary = await loading;
        if (summary.Dropped > 0) notes.Add($"{summary.Dropped} arrivals not sent (every virtual buyer busy, or the in-flight cap): not measured.");
        if (summary.StillInFlightAtEnd > 0) notes.Add($"{summary.StillInFlightAtEnd} requests still unanswered when the drain allowance ran out.");
        var window = await injecting;
        return (window, LoadSeen.From([.. completions], [.. probes], window, Slo));
    }

    async Task<FaultWindow> InjectAfterAsync(ChaosFault fault, TimeSpan length, ChaosEnvironment environment, Func<TimeSpan> now, List<string> notes, CancellationToken ct)
    {
        await Task.Delay(choices.Before, time, ct);
        logger.LogInformation("Chaos {Fault}: {What}", fault.Key(), fault.Describe(length));
        return await environment.InjectAsync(fault, length, now, notes, ct);
    }
}
