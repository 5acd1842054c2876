using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.LocalPostgres;
using Bulwark.PaymentSandbox;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.Tests.Operations;
using Npgsql;
using Xunit.Abstractions;

namespace Bulwark.Shop.Tests.Faults;

/// <summary>
/// The shop process is killed (SIGKILL) while buyers check out, and started again: nothing is lost. The
/// gateway (the sandbox, hosted by the test so that it survives the kill as a real gateway would) and the
/// database are compared once the reconciler has settled what was in flight.
/// </summary>
[Collection(MeasuredFaultsCollection.Name)]
public sealed class ShopCrashTests(ITestOutputHelper output)
{
    private const int InitialStock = 100_000;

    [Fact]
    public async Task A_shop_killed_mid_checkout_loses_no_order_and_charges_no_one_without_a_paid_order()
    {
        await using var cluster = await LocalPostgresCluster.StartEphemeralAsync(new LocalPostgresOptions
        {
            ServerSettings = new Dictionary<string, string> { ["synchronous_commit"] = "on" },
        });
        await using var gateway = PaymentSandboxApp.Create("http://127.0.0.1:0");
        await gateway.StartAsync();
        var gatewayUrl = new Uri(gateway.Urls.First());
        using var gatewayClient = new HttpClient { BaseAddress = gatewayUrl };
        // Slow charges keep checkouts in flight, between reserve and settle, when the kill comes.
        (await gatewayClient.PostAsJsonAsync("/v1/faults", new { latencyMs = 150 })).EnsureSuccessStatusCode();

        var shopUrl = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}");
        using var first = await StartShopAsync(cluster, shopUrl, gatewayUrl);
        var product = await ScalarAsync<long>(cluster, "SELECT id FROM products ORDER BY id LIMIT 1");
        await ScalarAsync<long>(cluster, $"UPDATE products SET stock = {InitialStock} WHERE id = {product} RETURNING id");

        await using (var load = await PurchaseLoad.StartAsync(shopUrl, buyers: 6, [product]))
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }

        Assert.True(await ScalarAsync<long>(cluster, "SELECT count(*) FROM orders") > 0, "no purchase happened before the kill");
        var pendingAtKill = await ScalarAsync<long>(cluster, "SELECT count(*) FROM orders WHERE status = 'pending_payment'");

        // Started again: the reconciler settles every order the kill left pending.
        using var second = await StartShopAsync(cluster, shopUrl, gatewayUrl);
        var settling = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (await ScalarAsync<long>(cluster, "SELECT count(*) FROM orders WHERE status = 'pending_payment'") > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "orders were still pending_payment 20 s after the restart");
            await Task.Delay(200);
        }

        second.Kill(entireProcessTree: true);
        var paid = await OrdersAsync(cluster, "paid");
        var failed = await OrdersAsync(cluster, "payment_failed");
        output.WriteLine($"killed with {pendingAtKill} orders pending; settled {settling.Elapsed.TotalSeconds:0.0} s after the restart: {paid.Count} paid, {failed.Count} failed");
        foreach (var order in paid)
        {
            Assert.Equal("succeeded", await ChargeStatusAsync(gatewayClient, order));
        }

        foreach (var order in failed)
        {
            Assert.NotEqual("succeeded", await ChargeStatusAsync(gatewayClient, order));
        }

        // No one charged without a paid order, no double charge (one charge per key, one key per order).
        var ledger = await gatewayClient.GetFromJsonAsync<JsonElement>("/v1/charges");
        Assert.Equal(paid.Count, ledger.GetProperty("succeeded").GetInt32());
        var sold = await ScalarAsync<long>(cluster, $"""
            SELECT coalesce(sum(ol.quantity), 0)::bigint FROM order_lines ol JOIN orders o ON o.id = ol.order_id
            WHERE ol.product_id = {product} AND o.status = 'paid'
            """);
        Assert.Equal(InitialStock, await ScalarAsync<long>(cluster, $"SELECT stock::bigint FROM products WHERE id = {product}") + sold);
    }

    private static async Task<Process> StartShopAsync(LocalPostgresCluster cluster, Uri url, Uri gateway)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "Bulwark.Shop.dll"),
            "--urls", url.ToString(),
            "--ConnectionStrings:Shop", cluster.ConnectionString,
            "--Payments:BaseUrl", gateway.ToString(),
            "--Payments:ReconcileInterval", "00:00:00.500",
            "--Payments:ReconcileAfter", "00:00:02",
            "--Payments:AbandonAfter", "00:00:03",
            "--Guard:RateLimit:PermitsPerSecond", "100000",
            "--Guard:RateLimit:Burst", "100000",
            "--Logging:LogLevel:Default", "Warning",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = new HttpClient { BaseAddress = url };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            Assert.False(process.HasExited, "the shop process exited while starting");
            Assert.True(DateTime.UtcNow < deadline, "the shop process was not ready within 60 s");
            try
            {
                if ((await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return process;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(200);
        }
    }

    private static async Task<string?> ChargeStatusAsync(HttpClient gateway, long orderId)
    {
        using var response = await gateway.GetAsync($"/v1/charges/by-key/order-{orderId}");
        return response.StatusCode == HttpStatusCode.NotFound
            ? null
            : (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString();
    }

    private static async Task<List<long>> OrdersAsync(LocalPostgresCluster cluster, string status)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM orders WHERE status = @status", connection);
        command.Parameters.AddWithValue("status", status);
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    private static async Task<T> ScalarAsync<T>(LocalPostgresCluster cluster, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
