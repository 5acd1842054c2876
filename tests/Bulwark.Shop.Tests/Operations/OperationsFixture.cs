using System.Net.Http.Headers;
using System.Net.Http.Json;
using Bulwark.LocalPostgres;
using Bulwark.Shop.Hosting;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.Operations;

/// <summary>
/// A shop of its own for the operations tests, with a configured admin, on a real Kestrel socket over a
/// throwaway PostgreSQL cluster. Its own cluster because the readiness test stops and restarts it.
/// </summary>
public sealed class OperationsFixture : IAsyncLifetime
{
    public const string AdminEmail = "ops-admin@example.com";
    public const string AdminPassword = "operations correct horse battery";
    public const string UserPassword = "correct horse battery staple";

    private LocalPostgresCluster? _cluster;
    private WebApplication? _app;

    public LocalPostgresCluster Cluster => _cluster!;

    public WebApplication App => _app!;

    public Uri BaseAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _cluster = await LocalPostgresCluster.StartEphemeralAsync();
        _app = await ShopApplication.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--ConnectionStrings:Shop", _cluster.ConnectionString,
            "--Admin:Email", AdminEmail,
            "--Admin:Password", AdminPassword,
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.First());
        await WaitForReadinessAsync(ready: true, TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    public HttpClient Client(string? accessToken = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (accessToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return client;
    }

    public Task<string> AdminTokenAsync() => TokenAsync(AdminEmail, AdminPassword);

    /// <summary>Registers a fresh account without roles and answers its bearer token.</summary>
    public async Task<(string Email, string Token)> NewUserAsync()
    {
        var email = $"user-{Guid.NewGuid():N}@example.com";
        using var anonymous = Client();
        (await anonymous.PostAsJsonAsync("/api/accounts", new { email, password = UserPassword })).EnsureSuccessStatusCode();
        return (email, await TokenAsync(email, UserPassword));
    }

    public async Task<string> TokenAsync(string email, string password)
    {
        using var anonymous = Client();
        return await anonymous.SignInAsync(email, password);
    }

    /// <summary>Polls <c>/health/ready</c> until it answers 200 (ready) or 503 (not ready).</summary>
    public async Task WaitForReadinessAsync(bool ready, TimeSpan patience)
    {
        using var client = Client();
        var deadline = DateTime.UtcNow + patience;
        var last = 0;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync("/health/ready");
            last = (int)response.StatusCode;
            if (response.IsSuccessStatusCode == ready)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"/health/ready did not become {(ready ? "ready" : "not ready")} within {patience} (last answer {last}).");
    }

    public sealed record SessionToken(string AccessToken, int ExpiresIn);
}

[CollectionDefinition(Name)]
public sealed class OperationsCollection : ICollectionFixture<OperationsFixture>
{
    public const string Name = "operations";
}
