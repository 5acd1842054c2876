using System.Globalization;
using System.Text.Json;
using Bulwark.Lab.Cli;
using Bulwark.Lab.Orchestration;
using Bulwark.Lab.Reports;
using Bulwark.Lab.Scenarios;
using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Bench;

/// <summary>One concurrency of the baseline: HTTP beside pgbench for the same SQL, medians over the repeats.</summary>
public sealed record BaselinePoint(
    int Concurrency,
    int PgbenchClients,
    Spread BrowseRps,
    Spread BrowseP50Ms,
    Spread BrowseP99Ms,
    Spread BrowseNon2xx,
    Spread PgBrowseQps,
    Spread PgBrowseP50Ms,
    Spread PgBrowseP99Ms,
    Spread BrowseRatio,
    Spread CheckoutRps,
    Spread CheckoutP50Ms,
    Spread CheckoutP99Ms,
    Spread PurchaseP99Ms,
    Spread CheckoutFailures,
    Spread PgCheckoutTps,
    Spread PgCheckoutP50Ms,
    Spread PgCheckoutP99Ms,
    Spread CheckoutRatio);

public sealed record BaselineMode(string Mode, IReadOnlyList<BaselinePoint> Points, IReadOnlyList<double> LoadAtStart, string? Failure);

/// <summary><c>lab-results/baseline/summary.json</c>.</summary>
public sealed record BaselineReport(MachineInfo Machine, DateTimeOffset StartedAt, double MinutesTaken, int Repeats, double StepSeconds,
    IReadOnlyList<int> Concurrencies, IReadOnlyDictionary<string, BaselineMode> Modes, IReadOnlyList<string> Notes);

/// <summary>
/// Issue 2's baseline: at a few fixed concurrencies, wrk against a category page and the lab's
/// closed-loop buyers against checkout, each followed in the same session by pgbench running the
/// same SQL with as many clients; the HTTP/pgbench ratio is what the rest of Bulwark improves on.
/// </summary>
public sealed class BaselineSuite(RepoLayout repo, LabRunOptions options, TimeProvider time, ILogger logger)
{
    public static readonly IReadOnlyList<int> DefaultConcurrencies = [8, 32, 128];

    /// <summary>pgbench needs a connection per client; the server keeps room for the shop's pool beside it.</summary>
    public const int MaxPgbenchClients = 90;

    public int Repeats { get; init; } = 3;
    public TimeSpan StepLength { get; init; } = TimeSpan.FromSeconds(5);
    public IReadOnlyList<int> Concurrencies { get; init; } = DefaultConcurrencies;

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var directory = Path.Combine(options.OutputRoot, "baseline");
        Directory.CreateDirectory(directory);
        var quiet = new QuietMachine(options.Quiet, time, logger);
        var modes = new Dictionary<string, BaselineMode>();
        foreach (var mode in new[] { ScenarioRunner.Guarded, ScenarioRunner.Naive }.Where(options.Modes.Contains))
        {
            try
            {
                modes[mode] = await RunModeAsync(mode, directory, quiet, ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
            {
                logger.LogError("Baseline of {Mode} failed: {Reason}", mode, e.Message);
                modes[mode] = new BaselineMode(mode, [], [], e.Message);
            }
        }

        var report = new BaselineReport(MachineInfo.Current(), startedAt, time.GetElapsedTime(started).TotalMinutes, Repeats, StepLength.TotalSeconds,
            Concurrencies, modes,
            [
                "Closed loop (a client sends its next request when the last one answered), as wrk and hey measure; the lab's own open-model numbers are in the bench.",
                "HTTP req/s counts 2xx answers only (a fast 503 is not a page served); non-2xx are counted beside. The lab's buyers honour Retry-After on 503/429 (up to 3 tries per call), as the shop asks; wrk does not.",
                "Category page: wrk, every request a category and page drawn as the lab's browse traffic draws them; pgbench runs the page and count statements of CatalogStore.ProductsAsync in one pipelined round trip.",
                "Checkout: the lab's buyers (one signed-in account each) put an item in the cart and check out, over and over; pgbench runs the same statements (CartStore.SetAsync, StockReservation.ReserveAsync and MarkPaidAsync) per client. Requests/s counts purchases; p50/p99 are of POST /api/checkout.",
                $"pgbench runs with min(concurrency, {MaxPgbenchClients}) clients: the throwaway server allows 200 connections and the shop keeps its pool open beside it.",
                "The shop is started with the guard's per-client rate limit off (Guard:RateLimit:Enabled=false): wrk sends everything from one address, which the limit would otherwise answer with 429s. Shedding, the gate and the cache stay on.",
                $"Every product is restocked to {BenchTarget.RestockUnits:N0} units first, so purchases never run out.",
            ]);
        await File.WriteAllTextAsync(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(report, SummaryJson.Options), ct);
        await File.WriteAllTextAsync(Path.Combine(directory, "summary.md"), "# Bulwark HTTP baseline\n\n" + BenchMarkdown.Baseline(report), ct);
        return directory;
    }

    async Task<BaselineMode> RunModeAsync(string mode, string directory, QuietMachine quiet, CancellationToken ct)
    {
        await using var target = await BenchTarget.StartAsync(repo, options with { Target = null }, mode, directory,
            new BenchTargetOptions
            {
                Buyers = Concurrencies.Max(),
                Shoppers = 0,
                PgbenchUsers = MaxPgbenchClients,
                ShopSettings = new Dictionary<string, string> { ["Guard:RateLimit:Enabled"] = "false" },
            }, time, logger, ct);
        var pgbench = new Pgbench(target.ConnectionString!, Pgbench.DefaultScriptDirectory, directory, logger, options.Isolation?.Load);
        var wrk = new Wrk(target.Address, directory, logger, options.Isolation?.Load);
        var loop = new PurchaseLoop(target.Clients, time);
        var user = target.PgbenchUserBase!.Value.ToString(CultureInfo.InvariantCulture);
        var catalog = target.Fixture.Catalog;

        var loads = new List<double>();
        var runs = Concurrencies.ToDictionary(c => c, _ => new List<(WrkResult Browse, PgbenchResult PgBrowse, PurchaseLoopResult Checkout, PgbenchResult PgCheckout)>());
        for (var repeat = 1; repeat <= Repeats; repeat++)
        {
            var calm = await quiet.WaitAsync($"baseline {mode} repeat {repeat}", loadToo: repeat == 1, ct);
            loads.Add(calm.AtStart.OneMinute);
            logger.LogInformation("Baseline {Mode}, repeat {Repeat}/{Repeats}: {Load}", mode, repeat, Repeats, calm.Describe());
            foreach (var concurrency in Concurrencies)
            {
                var clients = Math.Min(concurrency, MaxPgbenchClients);
                var browse = await wrk.BrowseAsync(concurrency, StepLength, ct);
                var pgBrowse = await pgbench.RunAsync(Pgbench.BrowseScript, clients, StepLength, new Dictionary<string, string>(), ct);
                await target.ClearCartsAsync(ct);
                var checkout = await loop.RunAsync([.. target.Fixture.Users.Buyers.Take(concurrency)],
                    new PurchasePlan(random => catalog.PickAny(random).Id, StepLength, Attempts: null, RetriesOnOverload: 3, options.Seed + repeat), ct);
                logger.LogInformation("lab checkout × {Concurrency}: {Rps:0} purchases/s, checkout p50 {P50:0.0} ms, p99 {P99:0.0} ms, {Failed} not paid",
                    concurrency, checkout.PaidPerSecond, checkout.Checkout.P50Ms, checkout.Checkout.P99Ms, checkout.Attempts - checkout.Paid);
                await target.ClearCartsAsync(ct);
                var pgCheckout = await pgbench.RunAsync(Pgbench.CheckoutScript, clients, StepLength,
                    new Dictionary<string, string> { ["user_base"] = user, ["product_min"] = "1", ["product_max"] = "10000" }, ct);
                runs[concurrency].Add((browse, pgBrowse, checkout, pgCheckout));
            }
        }

        return new BaselineMode(mode, [.. Concurrencies.Select(c =>
        {
            var r = runs[c];
            return new BaselinePoint(c, Math.Min(c, MaxPgbenchClients),
                Spread.Of(r, x => x.Browse.SuccessRps), Spread.Of(r, x => x.Browse.P50Ms), Spread.Of(r, x => x.Browse.P99Ms), Spread.Of(r, x => x.Browse.Non2xx + x.Browse.SocketErrors),
                Spread.Of(r, x => x.PgBrowse.Tps), Spread.Of(r, x => x.PgBrowse.P50Ms), Spread.Of(r, x => x.PgBrowse.P99Ms),
                Spread.Of(r, x => x.Browse.SuccessRps / x.PgBrowse.Tps),
                Spread.Of(r, x => x.Checkout.PaidPerSecond), Spread.Of(r, x => x.Checkout.Checkout.P50Ms), Spread.Of(r, x => x.Checkout.Checkout.P99Ms),
                Spread.Of(r, x => x.Checkout.Purchase.P99Ms), Spread.Of(r, x => x.Checkout.Attempts - x.Checkout.Paid),
                Spread.Of(r, x => x.PgCheckout.Tps), Spread.Of(r, x => x.PgCheckout.P50Ms), Spread.Of(r, x => x.PgCheckout.P99Ms),
                Spread.Of(r, x => x.Checkout.PaidPerSecond / x.PgCheckout.Tps));
        })], loads, null);
    }
}
