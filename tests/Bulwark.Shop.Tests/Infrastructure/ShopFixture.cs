using System.Net.Http.Headers;
using System.Net.Http.Json;
using Bulwark.LocalPostgres;
using Bulwark.Shop.Catalog;
using Bulwark.Shop.Hosting;
using Bulwark.Shop.Payments;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bulwark.Shop.Tests.Infrastructure;

/// <summary>
/// One throwaway PostgreSQL cluster and one shop on a real Kestrel socket for the whole test run; the
/// cluster is removed at the end. Tests isolate themselves by using their own users and products.
/// </summary>
public sealed class ShopFixture : IAsyncLifetime
{
    private readonly IReadOnlyDictionary<string, string>? _serverSettings;

    /// <summary>The shared shop's: a throwaway cluster tuned for speed.</summary>
    public ShopFixture()
    {
    }

    /// <summary>A shop of a test's own whose cluster runs with these server settings (internal: xunit wants one public constructor).</summary>
    internal ShopFixture(IReadOnlyDictionary<string, string> serverSettings) => _serverSettings = serverSettings;

    private LocalPostgresCluster? _cluster;
    private WebApplication? _app;
    private int _nextUser;
    private int _nextProduct = 5000;

    public string ConnectionString => _cluster!.ConnectionString;

    /// <summary>The fixture's own PostgreSQL: fault tests stop, crash and freeze it (each with a fixture of its own).</summary>
    public LocalPostgresCluster Cluster => _cluster!;

    /// <summary>The tests' own few connections, kept apart from the shop's pool so they never crowd it.</summary>
    private string TestConnectionString => ConnectionString + ";Maximum Pool Size=4;Application Name=bulwark-tests";

    public WebApplication App => _app!;

    public Uri BaseAddress { get; private set; } = null!;

    public Uri GatewayAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _cluster = _serverSettings is null
            ? await LocalPostgresCluster.StartEphemeralAsync()
            : await LocalPostgresCluster.StartEphemeralAsync(new LocalPostgresOptions { ServerSettings = _serverSettings });
        _app = await ShopApplication.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--ConnectionStrings:Shop", _cluster.ConnectionString,
            // The reconciler is driven by the tests themselves (ReconcileOnceAsync), not by its timer.
            "--Payments:ReconcileInterval", "01:00:00",
            "--Payments:ReconcileAfter", "00:00:00",
            "--Payments:AbandonAfter", "00:00:00",
            // Shorter than the sandbox's tok_slow delay (3 s), so a slow payment times out in the tests.
            "--Payments:CallTimeout", "00:00:02",
            // Every test client comes from 127.0.0.1: lift the per-address limits (the guard's own tests cover them);
            // the per-account sign-in throttle keeps its default and is tested here.
            "--Guard:RateLimit:PermitsPerSecond", "100000",
            "--Guard:RateLimit:Burst", "100000",
            "--Guard:LoginThrottle:PerAddressPerMinute", "100000",
            "--Guard:LoginThrottle:PerAddressBurst", "100000",
            // Tests inject gateway errors on purpose (tok_error, faults); the breaker has tests of its own.
            "--Payments:CircuitBreaker:MinimumThroughput", "10000",
            // Slow clients are cut off within seconds (SlowClientTests): tighter than the shipped 10 s / 5 s.
            "--Http:RequestHeadersTimeout", "00:00:02",
            "--Http:MinRequestBodyGracePeriod", "00:00:02",
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.First());
        GatewayAddress = new Uri(_app.Services.GetRequiredService<IOptions<PaymentsOptions>>().Value.BaseUrl);
        await WaitUntilReadyAsync();
    }

    public Task DisposeAsync() => StopAsync(_app, _cluster);

    /// <summary>Stops a test's shop, then its database (either may not have started).</summary>
    internal static async Task StopAsync(WebApplication? app, LocalPostgresCluster? cluster)
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }
    }

    public HttpClient Client(string? accessToken = null) => ClientFor(BaseAddress, accessToken);

    /// <summary>A client of a shop that waits out its 503s (<see cref="RetryAfterHandler"/>), signed in when given a token.</summary>
    internal static HttpClient ClientFor(Uri baseAddress, string? accessToken)
    {
        var client = new HttpClient(new RetryAfterHandler()) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (accessToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return client;
    }

    /// <summary>A product id no other test uses, so tests can change its stock freely.</summary>
    public long ReserveProduct() => Interlocked.Increment(ref _nextProduct);

    public HttpClient Gateway() => new() { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Registers a fresh user and answers a client signed in as that user.</summary>
    public async Task<HttpClient> SignedInClientAsync(string? email = null)
    {
        email ??= $"buyer{Interlocked.Increment(ref _nextUser)}-{Guid.NewGuid():N}@example.com";
        using var anonymous = Client();
        await anonymous.RegisterAsync(email);
        return Client(await anonymous.SignInAsync(email));
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(TestConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(TestConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await command.ExecuteNonQueryAsync();
        App.Services.GetRequiredService<CatalogCache>().Clear();
    }

    /// <summary>Sets a product's stock by hand and forgets cached reads of it.</summary>
    public Task SetStockAsync(long productId, int stock) =>
        ExecuteAsync("UPDATE products SET stock = $1 WHERE id = $2", stock, productId);

    public Task<int> StockAsync(long productId) => ScalarAsync<int>("SELECT stock FROM products WHERE id = $1", productId);

    /// <summary>
    /// Units of a product held by orders that still hold stock: paid, awaiting their payment outcome, or paid
    /// and awaiting their refund's outcome (the stock comes back only once the refund is confirmed).
    /// </summary>
    public async Task<long> UnitsInLiveOrdersAsync(long productId) =>
        await ScalarAsync<long>("""
            SELECT coalesce(sum(ol.quantity), 0)::bigint FROM order_lines ol JOIN orders o ON o.id = ol.order_id
            WHERE ol.product_id = $1 AND o.status IN ('paid', 'pending_payment', 'refund_pending')
            """, productId);

    /// <summary>A fingerprint of every table a client can change; equal before and after means nothing changed.</summary>
    public Task<string> DatabaseFingerprintAsync() => ScalarAsync<string>("""
        SELECT md5(concat_ws('|',
            (SELECT coalesce(string_agg(id || ':' || stock, ',' ORDER BY id), '') FROM products),
            (SELECT count(*) FROM users),
            (SELECT coalesce(string_agg(user_id || ':' || product_id || ':' || quantity, ',' ORDER BY user_id, product_id), '') FROM cart_items),
            (SELECT coalesce(string_agg(id || ':' || status, ',' ORDER BY id), '') FROM orders),
            (SELECT count(*) FROM order_lines)))
        """);

    /// <summary>Runs the payment reconciler until no order awaits its payment or refund outcome (or 10 s pass).</summary>
    public async Task ReconcileUntilNoneOpenAsync()
    {
        var reconciler = App.Services.GetRequiredService<Bulwark.Shop.Checkout.PaymentReconciler>();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            await reconciler.ReconcileOnceAsync(CancellationToken.None);
            if (await ScalarAsync<long>("SELECT count(*) FROM orders WHERE status IN ('pending_payment', 'refund_pending')") == 0)
            {
                return;
            }

            await Task.Delay(100);
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        using var client = Client();
        for (var attempt = 0; attempt < 300; attempt++)
        {
            using var response = await client.GetAsync("/health/ready");
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The shop did not become ready within 30 s.");
    }

    public sealed record SessionToken(string AccessToken, int ExpiresIn);
}

[CollectionDefinition(Name)]
public sealed class ShopCollection : ICollectionFixture<ShopFixture>
{
    public const string Name = "shop";
}
