using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;

namespace Bulwark.PaymentSandbox.Tests.Infrastructure;

/// <summary>
/// A sandbox on real Kestrel on a free loopback port, started the way the shop hosts it in-process.
/// </summary>
internal sealed class RunningSandbox : IAsyncDisposable
{
    // Keeps test output readable: no "Now listening on" or fault-change lines for every test.
    private static readonly string[] QuietLogging =
    [
        "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
        "--Logging:LogLevel:Bulwark.PaymentSandbox=Warning",
    ];

    private RunningSandbox(WebApplication app, HttpClient client)
    {
        App = app;
        Client = client;
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public static async Task<RunningSandbox> StartAsync(Action<PaymentSandboxOptions>? configure = null)
    {
        var app = PaymentSandboxApp.Create("http://127.0.0.1:0", configure, QuietLogging);
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };
        return new RunningSandbox(app, client);
    }

    public static object ChargeBody(string token = "tok_visa", string? key = null, long amountCents = 2599, string currency = "USD") =>
        new { amountCents, currency, token, idempotencyKey = key ?? Guid.NewGuid().ToString("N") };

    public Task<HttpResponseMessage> ChargeAsync(object body, CancellationToken cancellationToken = default) =>
        Client.PostAsJsonAsync("/v1/charges", body, cancellationToken);

    /// <summary>Charges <paramref name="amountCents"/> with tok_visa and answers the charge's id.</summary>
    public async Task<string> ChargedIdAsync(long amountCents = 2599, string token = "tok_visa")
    {
        using var response = await ChargeAsync(ChargeBody(token, amountCents: amountCents));
        response.EnsureSuccessStatusCode();
        return (await ReadJsonAsync(response)).GetProperty("id").GetString()!;
    }

    public static object RefundBody(string chargeId, long amountCents = 2599, string? key = null) =>
        new { chargeId, amountCents, idempotencyKey = key ?? Guid.NewGuid().ToString("N") };

    public Task<HttpResponseMessage> RefundAsync(object body, CancellationToken cancellationToken = default) =>
        Client.PostAsJsonAsync("/v1/refunds", body, cancellationToken);

    public async Task SetFaultsAsync(object profile)
    {
        using var response = await Client.PostAsJsonAsync("/v1/faults", profile);
        response.EnsureSuccessStatusCode();
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await ReadJsonAsync(response);
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
