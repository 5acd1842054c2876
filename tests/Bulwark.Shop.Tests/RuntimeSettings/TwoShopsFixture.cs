using System.Net.Http.Headers;
using System.Net.Http.Json;
using Bulwark.LocalPostgres;
using Bulwark.Shop.Hosting;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.RuntimeSettings;

/// <summary>Two shop instances on one throwaway database, with a configured first admin.</summary>
public sealed class TwoShopsFixture : IAsyncLifetime
{
    public const string AdminEmail = "ops@example.com";
    public const string AdminPassword = "a very long admin passphrase";

    private readonly Dictionary<WebApplication, Task<string>> _adminTokens = [];
    private LocalPostgresCluster? _cluster;

    public string ConnectionString => _cluster!.ConnectionString;

    public WebApplication First { get; private set; } = null!;

    public WebApplication Second { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _cluster = await LocalPostgresCluster.StartEphemeralAsync();
        First = await StartShopAsync();
        Second = await StartShopAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var app in new[] { First, Second }.Where(app => app is not null))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    public HttpClient Client(WebApplication app, string? token = null)
    {
        var client = new HttpClient(new RetryAfterHandler()) { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>One admin sign-in per instance for the whole class: the per-account sign-in throttle allows few.</summary>
    public Task<string> AdminTokenAsync(WebApplication app)
    {
        lock (_adminTokens)
        {
            if (!_adminTokens.TryGetValue(app, out var token))
            {
                _adminTokens[app] = token = TokenAsync(app, AdminEmail, AdminPassword);
            }

            return token;
        }
    }

    public async Task<string> TokenAsync(WebApplication app, string email, string password)
    {
        using var client = Client(app);
        return await client.SignInAsync(email, password);
    }

    private static readonly string SigningKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private async Task<WebApplication> StartShopAsync()
    {
        var app = await ShopApplication.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--ConnectionStrings:Shop", _cluster!.ConnectionString,
            "--Admin:Email", AdminEmail,
            "--Admin:Password", AdminPassword,
            "--Guard:Instances", "2",
            // Two instances share one line per waiting room, so they must share the key that signs its tickets.
            "--WaitingRoom:SigningKey", SigningKey,
            // A slow poll: the change must reach the other instance by NOTIFY, not by the safety net.
            "--RuntimeSettings:PollInterval", "00:05:00",
            // Slower than the 1 s a sign-out must take to reach the other instance: only the NOTIFY can do it
            // that fast, while a revocation whose notification was lost still lands within this.
            "--Sessions:RevocationCatchUp", "00:00:02",
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await app.StartAsync();
        using var client = Client(app);
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if ((await client.GetAsync("/health/ready")).IsSuccessStatusCode)
            {
                return app;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("A shop instance did not become ready.");
    }
}
