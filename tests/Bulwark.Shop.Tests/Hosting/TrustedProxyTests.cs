using System.Net;
using Bulwark.LocalPostgres;
using Bulwark.Shop.Hosting;

namespace Bulwark.Shop.Tests.Hosting;

/// <summary>
/// Issue 12: behind nginx every client has nginx's address. A listed proxy's X-Forwarded-For gives each
/// client its own per-client limit; from anyone else the header is ignored.
/// </summary>
public sealed class TrustedProxyTests : IAsyncLifetime
{
    private LocalPostgresCluster? _cluster;
    private WebApplication? _behindProxy;
    private WebApplication? _direct;

    public async Task InitializeAsync()
    {
        _cluster = await LocalPostgresCluster.StartEphemeralAsync();
        _behindProxy = await StartAsync("--Proxy:TrustedProxies:0", "127.0.0.1");
        _direct = await StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var app in new[] { _behindProxy, _direct }.OfType<WebApplication>())
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Clients_behind_a_trusted_proxy_each_have_their_own_rate_limit()
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, await ExhaustAsync(_behindProxy!, "203.0.113.7"));
        // Another shopper behind the same proxy is not limited by the first one's burst (a cold shop may still shed: not a 429).
        Assert.NotEqual(HttpStatusCode.TooManyRequests, await SendAsync(_behindProxy!, "203.0.113.8"));
    }

    [Fact]
    public async Task A_forwarded_address_from_an_untrusted_peer_is_ignored()
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, await ExhaustAsync(_direct!, "198.51.100.1"));
        // Claiming to be someone else does not buy a fresh budget.
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(_direct!, "198.51.100.2"));
    }

    /// <summary>Spends the burst of 2 and answers the status of the request after it.</summary>
    private static async Task<HttpStatusCode> ExhaustAsync(WebApplication app, string client)
    {
        for (var i = 0; i < 2; i++)
        {
            // Within the burst: not limited (a shop still warming up may shed with 503, which spends the token all the same).
            Assert.NotEqual(HttpStatusCode.TooManyRequests, await SendAsync(app, client));
        }

        return await SendAsync(app, client);
    }

    private static async Task<HttpStatusCode> SendAsync(WebApplication app, string client)
    {
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/categories");
        request.Headers.Add("X-Forwarded-For", client);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<WebApplication> StartAsync(params string[] settings)
    {
        var app = await ShopApplication.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--ConnectionStrings:Shop", _cluster!.ConnectionString,
            "--Logging:LogLevel:Default", "Warning",
            // A burst of 2 that refills slowly, on a fixed count so the limit is not divided between the two shops.
            "--Guard:RateLimit:PermitsPerSecond", "1",
            "--Guard:RateLimit:Burst", "2",
            "--Guard:Instances", "1",
            .. settings,
        ]);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        for (var attempt = 0; attempt < 300 && !(await http.GetAsync("/health/ready")).IsSuccessStatusCode; attempt++)
        {
            await Task.Delay(100);
        }

        return app;
    }
}
