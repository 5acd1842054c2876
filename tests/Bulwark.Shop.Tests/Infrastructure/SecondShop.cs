using System.Net;
using Bulwark.Shop.Hosting;

namespace Bulwark.Shop.Tests.Infrastructure;

/// <summary>
/// Another shop instance on the fixture's database, with settings of its own (and its own payment
/// sandbox): for tests that change what the shared shop must not, such as gateway faults or tracing.
/// </summary>
public sealed class SecondShop : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SecondShop(WebApplication app)
    {
        _app = app;
        BaseAddress = new Uri(app.Urls.First());
    }

    public WebApplication App => _app;

    public Uri BaseAddress { get; }

    public static async Task<SecondShop> StartAsync(ShopFixture shop, IEnumerable<string> settings, Action<WebApplicationBuilder>? configure = null)
    {
        var app = await ShopApplication.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--ConnectionStrings:Shop", shop.ConnectionString,
            "--Logging:LogLevel:Default", "Warning",
            .. settings,
        ], configure);
        await app.StartAsync();
        var second = new SecondShop(app);
        using var client = second.Client();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await client.GetAsync("/health/ready", patience.Token)).StatusCode != HttpStatusCode.OK)
        {
            await Task.Delay(100, patience.Token);
        }

        return second;
    }

    public HttpClient Client() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A fresh account signed in on this instance.</summary>
    public Task<HttpClient> SignedInClientAsync() => Client().SignInNewAccountAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
