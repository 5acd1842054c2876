using System.Globalization;
using System.Text.Json;
using Bulwark.Lab.Arrivals;
using Bulwark.Lab.Bench;
using Bulwark.Lab.Cli;
using Bulwark.Lab.Load;
using Bulwark.Lab.Measurement;
using Bulwark.Lab.Orchestration;
using Bulwark.Lab.Reports;
using Bulwark.Lab.Scenarios;
using Bulwark.Lab.Shop;
using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Sale;

/// <summary>
/// <c>lab sale</c> (issue 11): a flash sale of one product's units opening at T, with a crowd of buyers arriving in
/// the seconds before and after T (a fifth of them bots that poll and retry ten times a second) on top of ordinary
/// storefront traffic; the naive shop (no waiting room: buyers race to check out) beside the guarded one (buyers
/// join the sale's waiting room and check out with their admission). Per mode: units sold and oversold and the
/// stock's balance (from PostgreSQL), the sell-out rate beside pgbench's single-row update rate on the same
/// server, the share of units that went out of queue order, polite versus aggressive buyers, how late the rest
/// learned "sold out", every answer's status and time, and the CPU one poll costs. Writes <c>&lt;out&gt;/sale</c>.
/// </summary>
public sealed class FlashSaleRunner(RepoLayout? repo, LabRunOptions options, SalePlan plan, TimeProvider time, ILogger logger)
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);
    static readonly ServiceLevel Slo = new(TimeSpan.FromMilliseconds(200), Deadline);

    /// <summary>Time from creating the sale to its opening: the shop wants a start in the future, the crowd arrives before it.</summary>
    static readonly TimeSpan Lead = TimeSpan.FromSeconds(15);

    /// <summary>Where this run writes: the one-shop run and the cluster's apart (<c>lab docs</c> publishes the first).</summary>
    string OutputFolder => Path.Combine(options.OutputRoot, options.ClusterInstances is null ? SaleReport.Folder : SaleReport.ClusterFolder);

    public async Task<(SaleReport Report, string Directory)> RunAsync(CancellationToken ct)
    {
        var directory = OutputFolder;
        Directory.CreateDirectory(directory);
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var quiet = new QuietMachine(options.Quiet, time, logger);
        var results = new List<SaleModeResult>();
        foreach (var mode in options.Target is null ? [ScenarioRunner.Naive, ScenarioRunner.Guarded] : new[] { ScenarioRunner.Target })
        {
            if (options.Target is null && !options.Modes.Contains(mode)) continue;
            try
            {
                await using var target = await BenchTarget.StartAsync(repo, options, mode, directory,
                    new BenchTargetOptions { Buyers = plan.Buyers, PgbenchUsers = 0 }, time, logger, ct);
                var calm = await quiet.WaitAsync($"sale {mode}", loadToo: true, ct);
                results.Add(await RunModeAsync(target, mode, calm.Describe(), ct));
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
            {
                logger.LogError("Sale ({Mode}) failed: {Reason}", mode, e.Message);
                results.Add(SaleModeResult.NotRun(mode, e.Message.Split('\n')[0]));
            }
        }

        var cluster = options.ClusterInstances is { } instances
            ? $"each mode brought up its own nginx → {instances} shops → PgBouncer → primary + streaming standby, the buyers and shoppers went through nginx, no fault was injected"
            : null;
        var report = new SaleReport(MachineInfo.Current(), startedAt, time.GetElapsedTime(started).TotalMinutes, plan,
            options.Isolation?.Describe(), results, cluster);
        await File.WriteAllTextAsync(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(report, SummaryJson.Options), ct);
        await File.WriteAllTextAsync(Path.Combine(directory, "summary.md"), "# Bulwark flash sale\n\n" + SaleMarkdown.Render(report), ct);
        return (report, directory);
    }

    async Task<SaleModeResult> RunModeAsync(BenchTarget target, string mode, string load, CancellationToken ct)
    {
        var connectionString = target.ConnectionString ?? throw new LabSetupException("The sale needs the lab's own database (stock, audit, pgbench).");
        var admin = target.Admin ?? throw new LabSetupException("The sale needs the shop's admin account (--admin-email/--admin-password with --target).");
        var api = target.Clients.Any;
        var signIn = await ShopFixture.Patiently(() => api.SignInAsync(admin.Email, admin.Password, ct), time, ct);
        if (!signIn.IsSuccess) throw new LabSetupException($"Admin sign-in failed: {signIn.Describe()}");
        var adminToken = signIn.Json().GetProperty("accessToken").GetString()!;

        var productId = target.Fixture.Catalog.Hot[0].Id;
        var product = long.Parse(productId, CultureInfo.InvariantCulture);
        var pgbenchTps = await SingleRowTpsAsync(target, connectionString, product, ct);
        await target.ClearCartsAsync(ct);
        await target.SetStockAsync(product, plan.Units, ct);

        var price = (await api.GetProductAsync(productId, ct)).Json().GetProperty("priceCents").GetInt64();
        var opensAt = time.GetUtcNow() + Lead;
        var created = await api.CreateSaleAsync(adminToken, new
        {
            name = $"Lab flash sale ({mode})",
            startsAt = opensAt,
            endsAt = opensAt + TimeSpan.FromMinutes(30),
            items = new[] { new { productId = product, priceCents = Math.Max(1, price / 2), quantity = plan.Units } },
        }, ct);
        if (!created.IsSuccess) throw new LabSetupException($"Creating the sale failed: {created.Describe()}");
        var saleId = created.Json().GetProperty("id").ToString();
        var since = await HotSkuSale.DatabaseNowAsync(connectionString, ct);
        var runStart = time.GetTimestamp();
        var openAfter = Lead;
        logger.LogInformation("Sale ({Mode}): {Units} units of product {Product} open in {Lead:0} s; {Buyers} buyers arrive ±{Spread:0} s around it",
            mode, plan.Units, product, Lead.TotalSeconds, plan.Buyers, plan.Spread.TotalSeconds);

        // Ordinary shoppers browse throughout, recorded apart from the buyers.
        using var side = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var storefrontLength = openAfter + plan.GiveUpAfter;
        var storefrontPlan = new LoadPlan([new TrafficStream("storefront", TrafficMix.Only(RequestClass.Browse), [ArrivalPhase.Constant("sale", storefrontLength, plan.StorefrontRps)])],
            ArrivalProcess.Poisson, options.Seed, options.Limits, Slo);
        var storefront = new RunRecorder(Slo, storefrontPlan.Duration + storefrontPlan.DrainAllowance);
        var browsing = new LoadGenerator(target.Actions, time, logger).RunAsync(storefrontPlan, storefront, runStart, side.Token);

        var cpu = new CpuSampler(target.Processes, options.Isolation, time);
        var cpuStart = cpu.Take();
        var exchanges = new SaleExchanges();
        var random = new Random(options.Seed);
        var giveUpAt = opensAt + plan.GiveUpAfter;
        var useRoom = mode != ScenarioRunner.Naive;
        var buyers = target.Fixture.Users.Buyers.Take(plan.Buyers).Select((user, i) =>
        {
            var arrival = openAfter - plan.Spread + plan.Spread * 2 * random.NextDouble();
            var aggressive = random.NextDouble() < plan.AggressiveShare;
            return Task.Run(() => new SaleBuyer(target.Clients.For(user), user, i, aggressive, useRoom, saleId, productId, time, runStart, Deadline, exchanges)
                .RunAsync(arrival, giveUpAt, ct), CancellationToken.None);
        }).ToList();
        var records = await Task.WhenAll(buyers);
        var usage = cpu.Since(cpuStart);
        await side.CancelAsync();
        try { await browsing; } catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }

        var audit = await HotSkuSale.AuditAsync(connectionString, product, since, ct);
        if (useRoom)
        {
            var places = await TicketSequencesAsync(connectionString, saleId, ct);
            var buyerUsers = target.Fixture.Users.Buyers;
            records = [.. records.Select(r => places.TryGetValue(buyerUsers[r.Index].Email, out var sequence) ? r with { Sequence = sequence } : r)];
        }

        await target.SetStockAsync(product, BenchTarget.RestockUnits, ct);
        var (pollMicros, pollRate) = useRoom ? await PollCostAsync(target, records, ct) : (double.NaN, double.NaN);

        var delays = SaleFairness.SoldOutDelays(records);
        var classes = storefront.Classes.Values;
        var result = new SaleModeResult(mode, null, audit.LiveOrders, audit.PaidOrders, audit.Oversold(plan.Units), audit.Balanced(plan.Units),
            SaleFairness.SellOutAt(records) - openAfter.TotalSeconds, SaleFairness.SellOutRate(records), pgbenchTps, SaleFairness.OutOfOrderShare(records), SaleFairness.OutOfOrderShare(records, byLabClock: true),
            SaleFairness.Group(records, aggressive: false), SaleFairness.Group(records, aggressive: true),
            records.Count(r => r.End == SaleEnd.Bought), records.Count(r => r.End == SaleEnd.SoldOut), records.Count(r => r.End == SaleEnd.GaveUp),
            records.Count(r => r.End == SaleEnd.Failed), [.. records.Where(r => r.Failure is not null).Select(r => r.Failure!).Distinct().Take(5)],
            SaleFairness.Percentile(delays, 50), SaleFairness.Percentile(delays, 99), delays.Count == 0 ? double.NaN : delays[^1],
            exchanges.Count, exchanges.ServerErrors, exchanges.Timeouts, exchanges.OverDeadline, exchanges.SlowestMs, exchanges.Polls, pollMicros, pollRate,
            classes.Sum(c => c.Offered), classes.Sum(c => c.ServerErrors), classes.Sum(c => c.SlowerThanDeadline), usage.SutShare, load,
            audit.ReservingTransactions, SaleFairness.CheckoutsRefused(records));
        await File.WriteAllTextAsync(Path.Combine(OutputFolder, $"buyers-{mode}.json"), JsonSerializer.Serialize(records, SummaryJson.Options), ct);
        logger.LogInformation("Sale ({Mode}): {Orders} orders, oversold {Oversold}, balanced {Balanced}; out of order {OutOfOrder:P1}; sold out {SellOut:0.0} s after opening at {Rate:0}/s (pgbench single row {Tps:0}/s)",
            mode, result.Orders, result.Oversold, result.Balanced, result.OutOfOrderShare, result.SellOutAfterOpenSeconds, result.OrdersPerSecond, pgbenchTps);
        return result;
    }

    /// <summary>
    /// Each buyer's place in the sale's line as the shop recorded it (email → ticket sequence): the order of joining is
    /// the order the shop's database gave out places, which the lab cannot see from its side of the network.
    /// </summary>
    static async Task<Dictionary<string, long>> TicketSequencesAsync(string connectionString, string saleId, CancellationToken ct)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new Npgsql.NpgsqlCommand("""
            SELECT u.email, t.sequence FROM waiting_room_tickets t JOIN users u ON u.id = t.user_id WHERE t.room = 'sale-' || $1
            """, connection) { Parameters = { new() { Value = saleId } } };
        var places = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) places[reader.GetString(0)] = reader.GetInt64(1);
        return places;
    }

    /// <summary>pgbench taking one unit at a time from the product's row, best of 8 and 32 clients, on the load side's CPUs.</summary>
    async Task<double> SingleRowTpsAsync(BenchTarget target, string connectionString, long product, CancellationToken ct)
    {
        await target.SetStockAsync(product, 1_000_000_000, ct);
        var pgbench = new Pgbench(connectionString, Pgbench.DefaultScriptDirectory, OutputFolder, logger, options.Isolation?.Load);
        var variables = new Dictionary<string, string> { ["product_min"] = product.ToString(CultureInfo.InvariantCulture) };
        double best = 0;
        foreach (var clients in new[] { 8, 32 })
            best = Math.Max(best, (await pgbench.RunAsync(Pgbench.SingleRowScript, clients, TimeSpan.FromSeconds(5), variables, ct)).Tps);
        return best;
    }

    /// <summary>
    /// What answering one poll costs the system under test: 32 workers poll the tickets the buyers held, in a closed
    /// loop, after the sale (a sold-out room answers from memory like a waiting one); SUT CPU ÷ polls answered.
    /// </summary>
    async Task<(double Micros, double PerSecond)> PollCostAsync(BenchTarget target, IReadOnlyList<SaleBuyerRecord> records, CancellationToken ct)
    {
        var buyers = target.Fixture.Users.Buyers;
        var tickets = records.Where(r => r.Ticket is not null).Select(r => (User: buyers[r.Index], Ticket: r.Ticket!)).ToList();
        if (tickets.Count == 0) return (double.NaN, double.NaN);

        long polls = 0;
        var cpu = new CpuSampler(target.Processes, options.Isolation, time);
        var start = cpu.Take();
        var began = time.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, 32).Select(worker => Task.Run(async () =>
        {
            for (var i = worker; time.GetElapsedTime(began) < plan.PollFlood; i += 32)
            {
                var (user, ticket) = tickets[i % tickets.Count];
                if ((await target.Clients.For(user).PollWaitingRoomAsync(user.Token!, ticket, ct)).IsSuccess) Interlocked.Increment(ref polls);
            }
        }, ct)));
        var usage = cpu.Since(start);
        var seconds = time.GetElapsedTime(began).TotalSeconds;
        return polls == 0 ? (double.NaN, double.NaN) : (CostPerRequest.Micros(usage.SutSeconds, polls), polls / seconds);
    }
}
