using Bulwark.LocalPostgres;
using Bulwark.Shop.Hosting;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.WaitingRoom;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Bulwark.Shop.Tests.WaitingRoom;

/// <summary>
/// A shop with a database of its own and <see cref="TestSales"/> behind its sale rooms: the rooms' rows are
/// shared by every instance on a database, so the shared shop's tests must not see these lines.
/// </summary>
public sealed class WaitingRoomFixture : IAsyncLifetime
{
    /// <summary>Fixed, so the tests' tickets and admissions move at a known pace (admissions per second).</summary>
    public const double Outflow = 20;

    public static readonly TimeSpan AdmissionLifetime = TimeSpan.FromSeconds(6);

    /// <summary>Short, so that a sale line frees an abandoned admission's unit within a test's patience.</summary>
    public static readonly TimeSpan AdmissionGrace = TimeSpan.FromSeconds(1);

    /// <summary>Longer than the default second, so a poll woken early is told apart from one whose hold ran out.</summary>
    public static readonly TimeSpan MaxPollHold = TimeSpan.FromSeconds(1.4);

    private readonly string _signingKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    private LocalPostgresCluster? _cluster;
    private WebApplication? _app;
    private int _nextProduct = 7000;

    public TestSales Sales { get; } = null!;

    public WaitingRoomFixture() => Sales = new TestSales(() => _cluster!.ConnectionString);

    public Uri BaseAddress { get; private set; } = null!;

    public WebApplication App => _app!;

    public async Task InitializeAsync()
    {
        _cluster = await LocalPostgresCluster.StartEphemeralAsync();
        _app = await StartShopAsync([]);
        BaseAddress = new Uri(_app.Urls.First());
    }

    /// <summary>
    /// Another instance on the same database, key and sales: what a second replica behind the load balancer is.
    /// Its caller stops it (<see cref="ShopFixture.StopAsync"/>).
    /// </summary>
    public async Task<WebApplication> StartInstanceAsync() => await StartShopAsync(["--Guard:Instances", "2"]);

    private async Task<WebApplication> StartShopAsync(string[] extra)
    {
        var app = await ShopApplication.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--ConnectionStrings:Shop", _cluster!.ConnectionString,
            "--Guard:RateLimit:PermitsPerSecond", "100000",
            "--Guard:RateLimit:Burst", "100000",
            "--Guard:LoginThrottle:PerAddressPerMinute", "100000",
            "--Guard:LoginThrottle:PerAddressBurst", "100000",
            "--WaitingRoom:SigningKey", _signingKey,
            "--WaitingRoom:MinOutflowPerSecond", Outflow.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--WaitingRoom:MaxOutflowPerSecond", Outflow.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--WaitingRoom:AdmissionLifetime", AdmissionLifetime.ToString("c"),
            "--WaitingRoom:AdmissionGrace", AdmissionGrace.ToString("c"),
            "--WaitingRoom:MaxPollHold", MaxPollHold.ToString("c"),
            "--Logging:LogLevel:Default", "Warning",
            .. extra,
        ], builder => builder.Services.AddSingleton<ISaleQueueSource>(Sales));
        await app.StartAsync();
        using var client = ShopFixture.ClientFor(new Uri(app.Urls.First()), accessToken: null);
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!(await client.GetAsync("/health/ready", patience.Token)).IsSuccessStatusCode)
        {
            await Task.Delay(100, patience.Token);
        }

        return app;
    }

    public Task DisposeAsync() => ShopFixture.StopAsync(_app, _cluster);

    public HttpClient Client(string? accessToken = null) => ShopFixture.ClientFor(BaseAddress, accessToken);

    /// <summary>A fresh account signed in; its client waits out the shop's 503s like a well-mannered one.</summary>
    public Task<HttpClient> SignedInClientAsync() => Client().SignInNewAccountAsync();

    /// <summary>Fresh buyers, a few signed in at a time (password hashing is not what is under test).</summary>
    public async Task<HttpClient[]> BuyersAsync(int count)
    {
        using var setup = new SemaphoreSlim(8);
        return await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            await setup.WaitAsync();
            try
            {
                return await SignedInClientAsync();
            }
            finally
            {
                setup.Release();
            }
        }));
    }

    /// <summary>A product of the test's own with this stock.</summary>
    public async Task<long> ProductWithStockAsync(int stock)
    {
        var productId = Interlocked.Increment(ref _nextProduct);
        await using var connection = new NpgsqlConnection(_cluster!.ConnectionString + ";Maximum Pool Size=4");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("UPDATE products SET stock = $1 WHERE id = $2", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = stock });
        command.Parameters.Add(new NpgsqlParameter { Value = productId });
        await command.ExecuteNonQueryAsync();
        return productId;
    }

    /// <summary>A sale of one product that opens in an hour (so its line stands still until the test opens it).</summary>
    public async Task<(long SaleId, long ProductId)> UpcomingSaleAsync(int stock = 100)
    {
        var productId = await ProductWithStockAsync(stock);
        var saleId = Sales.NewSaleId();
        Sales.Put(saleId, productId, DateTimeOffset.UtcNow.AddHours(1), DateTimeOffset.UtcNow.AddHours(2), stock);
        return (saleId, productId);
    }
}

[CollectionDefinition(Name)]
public sealed class WaitingRoomCollection : ICollectionFixture<WaitingRoomFixture>
{
    public const string Name = "waiting-room";
}
