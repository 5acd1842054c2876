using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Bulwark.Lab.Shop;
using Npgsql;

namespace Bulwark.Lab.Chaos;

/// <summary>
/// Reads the three sides of the ledger check: the shop's PostgreSQL (orders, lines, stock) straight, as
/// the lab owns it, and the payment sandbox's charges through its API (by each order's key, and its list).
/// </summary>
/// <param name="gateway">The sandbox's client; the reader owns it.</param>
public sealed class LedgerReader(string connectionString, HttpClient gateway) : IDisposable
{
    // Unpooled: a pooled connection would have died with a crashed server and fail the first read after it.
    readonly string _connectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "bulwark-lab-ledger" }.ConnectionString;

    public async Task<IReadOnlyDictionary<long, long>> StockAsync(CancellationToken ct)
    {
        var stock = new Dictionary<long, long>();
        await foreach (var row in QueryAsync("SELECT id, stock FROM products", ct)) stock[row.GetInt64(0)] = row.GetInt32(1);
        return stock;
    }

    public async Task<long> PendingAsync(CancellationToken ct)
    {
        await foreach (var row in QueryAsync($"SELECT count(*) FROM orders WHERE status = '{LedgerCheck.Pending}'", ct)) return row.GetInt64(0);
        return 0;
    }

    public async Task<LedgerSnapshot> ReadAsync(IReadOnlyDictionary<long, long> initialStock, IReadOnlyList<AnsweredOrder> answered, CancellationToken ct)
    {
        var orders = new Dictionary<long, (string Status, Dictionary<long, long> Lines)>();
        await foreach (var row in QueryAsync("SELECT o.id, o.status, l.product_id, l.quantity FROM orders o LEFT JOIN order_lines l ON l.order_id = o.id", ct))
        {
            var id = row.GetInt64(0);
            if (!orders.TryGetValue(id, out var order)) orders[id] = order = (row.GetString(1), []);
            if (!row.IsDBNull(2)) order.Lines[row.GetInt64(2)] = row.GetInt32(3);
        }
        var stock = await StockAsync(ct);

        var charges = new ConcurrentBag<GatewayCharge>();
        await Parallel.ForEachAsync(orders.Keys, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (id, token) =>
        {
            using var response = await gateway.GetAsync($"/v1/charges/by-key/{LedgerCheck.KeyFor(id)}", token);
            if (response.StatusCode == HttpStatusCode.NotFound) return;
            response.EnsureSuccessStatusCode();
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(token), cancellationToken: token);
            if (ChargeOf(document.RootElement) is { } charge) charges.Add(charge);
        });
        // The list's totals count every charge, and its latest items may show charges under keys no order has.
        using var listed = JsonDocument.Parse(await gateway.GetStringAsync("/v1/charges", ct));
        var list = listed.RootElement;
        foreach (var item in list.Items()) if (ChargeOf(item) is { } charge) charges.Add(charge);

        return new LedgerSnapshot(
            [.. orders.Select(o => new LedgerOrder(o.Key, o.Value.Status, o.Value.Lines))],
            [.. charges],
            list.Property("succeeded").Number() ?? throw new InvalidOperationException("GET /v1/charges answered without a succeeded count."),
            initialStock,
            stock,
            answered);
    }

    /// <summary>
    /// Waits until the reconciler has settled every pending order (at most <paramref name="settleBound"/>), then
    /// compares the three sides with what the buyers were told (<paramref name="purchases"/>).
    /// </summary>
    public async Task<(TimeSpan Settled, LedgerVerdict Verdict)> SettleAndJudgeAsync(IReadOnlyDictionary<long, long> initialStock,
        PurchaseLedger purchases, TimeSpan settleBound, TimeProvider time, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        while (await PendingAsync(ct) > 0 && time.GetElapsedTime(started) < settleBound)
            await Task.Delay(TimeSpan.FromMilliseconds(250), time, ct);
        var settled = time.GetElapsedTime(started);

        List<AnsweredOrder> answered = [.. purchases.Orders
            .Select(o => (Ok: long.TryParse(o.OrderId, out var id), Id: id, o.Status))
            .Where(o => o.Ok)
            .Select(o => new AnsweredOrder(o.Id, o.Status))];
        return (settled, LedgerCheck.Judge(await ReadAsync(initialStock, answered, ct)));
    }

    public void Dispose() => gateway.Dispose();

    static GatewayCharge? ChargeOf(JsonElement charge) =>
        charge.Property("id").Text() is { } id && charge.Property("idempotencyKey").Text() is { } key && charge.Property("status").Text() is { } status
            ? new GatewayCharge(id, key, status)
            : null;

    async IAsyncEnumerable<NpgsqlDataReader> QueryAsync(string sql, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) yield return reader;
    }
}
