using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bulwark.Lab.Bench;

/// <summary>The shop's own record of a sale, read from PostgreSQL after it: orders holding the product, by status, and the stock left.</summary>
/// <param name="ReservingTransactions">
/// Transactions that took units from the product's row for these orders (distinct transaction ids of their order lines, which
/// the reservation writes in the transaction that updates the row): how many times the hot row was locked to sell them.
/// </param>
public sealed record SaleAudit(long LiveOrders, long PaidOrders, long LiveUnits, long FinalStock, IReadOnlyDictionary<string, long> OrdersByStatus,
    long ReservingTransactions = 0)
{
    /// <summary>Units promised beyond the stock the sale started with. Must be 0.</summary>
    public long Oversold(int units) => Math.Max(0, LiveUnits - units);

    /// <summary>Stock left plus units in live orders equals the stock the sale started with: nothing lost, nothing invented.</summary>
    public bool Balanced(int units) => FinalStock + LiveUnits == units;
}

/// <summary>One hot-SKU sell-out as measured.</summary>
public sealed record HotSkuResult(
    long ProductId,
    int Units,
    int Buyers,
    int AtOnce,
    SaleAudit Audit,
    long Oversold,
    bool Balanced,
    double SellOutSeconds,
    double AllAnsweredSeconds,
    PurchaseLoopResult Loop);

/// <summary>
/// Issue 5's hot-SKU sell-out: one product with 500 units, 5,000 purchase attempts by 2,000 buyers
/// at once (each buyer retries a 503/429 after its Retry-After, as a person in a flash sale does).
/// Success is exactly 500 orders and nothing oversold; the sell-out time (from the first attempt to
/// the last confirmed order) stands beside pgbench's ceiling for the same checkout on one hot row.
/// </summary>
public sealed class HotSkuSale(BenchTarget target, TimeProvider time, ILogger logger)
{
    public const int Units = 500;
    public const int Attempts = 5_000;
    public const int AtOnce = 2_000;

    public async Task<HotSkuResult> RunAsync(long productId, int seed, CancellationToken ct)
    {
        var connectionString = target.ConnectionString ?? throw new InvalidOperationException("The hot-SKU sale needs the lab's own database (to set the stock and audit the orders).");
        var buyers = target.Fixture.Users.Buyers.Take(AtOnce).ToList();
        await target.ClearCartsAsync(ct);
        await target.SetStockAsync(productId, Units, ct);
        var saleStart = await DatabaseNowAsync(connectionString, ct);

        logger.LogInformation("Hot SKU: {Attempts} purchases of product {Product} ({Units} units) by {Buyers} buyers at once", Attempts, productId, Units, buyers.Count);
        var loop = await new PurchaseLoop(target.Clients, time).RunAsync(buyers,
            new PurchasePlan(_ => productId.ToString(CultureInfo.InvariantCulture), Duration: null, Attempts, RetriesOnOverload: 5, seed), ct);
        var audit = await AuditAsync(connectionString, productId, saleStart, ct);
        // Sold out, the product would turn later purchases of it (pgbench's among them) into errors: stock it up again.
        await target.SetStockAsync(productId, BenchTarget.RestockUnits, ct);
        var sellOut = loop.PaidAtSeconds.Count > 0 ? loop.PaidAtSeconds[^1] : double.NaN;
        logger.LogInformation("Hot SKU: {Orders} live orders ({Paid} paid), {Units} units, stock left {Stock}; sold out in {Seconds:0.00} s, all answered in {All:0.00} s",
            audit.LiveOrders, audit.PaidOrders, audit.LiveUnits, audit.FinalStock, sellOut, loop.Seconds);
        return new HotSkuResult(productId, Units, Attempts, buyers.Count, audit, audit.Oversold(Units), audit.Balanced(Units), sellOut, loop.Seconds, loop);
    }

    internal static async Task<DateTime> DatabaseNowAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = await OpenAsync(connectionString, ct);
        await using var command = new NpgsqlCommand("SELECT clock_timestamp()", connection);
        return (DateTime)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Orders created since the sale began that hold the product; "live" is every status but payment_failed (which gave its stock back).</summary>
    internal static async Task<SaleAudit> AuditAsync(string connectionString, long productId, DateTime since, CancellationToken ct)
    {
        await using var connection = await OpenAsync(connectionString, ct);
        var byStatus = new Dictionary<string, long>();
        long liveUnits = 0;
        await using (var command = new NpgsqlCommand("""
            SELECT o.status, count(*), sum(ol.quantity)::bigint FROM orders o JOIN order_lines ol ON ol.order_id = o.id
            WHERE ol.product_id = $1 AND o.created_at >= $2 GROUP BY o.status
            """, connection) { Parameters = { new() { Value = productId }, new() { Value = since } } })
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var status = reader.GetString(0);
                byStatus[status] = reader.GetInt64(1);
                if (status != "payment_failed") liveUnits += reader.GetInt64(2);
            }
        }
        await using var stock = new NpgsqlCommand("SELECT stock FROM products WHERE id = $1", connection) { Parameters = { new() { Value = productId } } };
        var finalStock = Convert.ToInt64(await stock.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        await using var reserving = new NpgsqlCommand("""
            SELECT count(DISTINCT ol.xmin::text) FROM orders o JOIN order_lines ol ON ol.order_id = o.id WHERE ol.product_id = $1 AND o.created_at >= $2
            """, connection) { Parameters = { new() { Value = productId }, new() { Value = since } } };
        var transactions = Convert.ToInt64(await reserving.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        var live = byStatus.Where(s => s.Key != "payment_failed").Sum(s => s.Value);
        return new SaleAudit(live, byStatus.GetValueOrDefault("paid"), liveUnits, finalStock, byStatus, transactions);
    }

    static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "bulwark-lab-audit" }.ConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }
}
