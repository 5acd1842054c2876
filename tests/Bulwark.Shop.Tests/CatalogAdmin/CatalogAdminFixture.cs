using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Shop.RuntimeSettings;
using Bulwark.Shop.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Shop.Tests.CatalogAdmin;

/// <summary>
/// A shop on a database of its own for the catalog administration tests: they add products and categories,
/// which the shared shop's seeded-catalog tests must never see. The admin is an ordinary account granted the
/// admin role in the database, signed in once for the whole collection (the sign-in throttle allows few).
/// </summary>
public sealed class CatalogAdminFixture : IAsyncLifetime
{
    private Task<string>? _adminToken;
    private int _nextSku;

    public ShopFixture Shop { get; } = new(new Dictionary<string, string>());

    public string AdminEmail { get; } = $"catalog-admin-{Guid.NewGuid():N}@example.com";

    public Task InitializeAsync() => Shop.InitializeAsync();

    public Task DisposeAsync() => Shop.DisposeAsync();

    public async Task<HttpClient> AdminAsync()
    {
        _adminToken ??= SignInAdminAsync();
        return Shop.Client(await _adminToken);
    }

    /// <summary>A SKU no other test uses.</summary>
    public string NextSku(string prefix = "T") => $"{prefix}-{Interlocked.Increment(ref _nextSku)}-{Guid.NewGuid():N}"[..30];

    /// <summary>Creates a product through the API (category 1 unless given) and answers it.</summary>
    public async Task<JsonElement> CreateProductAsync(HttpClient admin, string name, string description = "", long priceCents = 1999,
        int stock = 10, int categoryId = 1)
    {
        var response = await admin.PostAsJsonAsync("/api/admin/products",
            new { sku = NextSku(), name, description, categoryId, priceCents, stock });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>
    /// Makes catalog entries live five minutes (a runtime settings change) until disposed (its rollback): what is
    /// then seen fresh was made fresh by an invalidation, not by the TTL running out.
    /// </summary>
    public async Task<SettingsRollback> LongCacheAsync(HttpClient admin)
    {
        var response = await admin.PutAsJsonAsync("/api/admin/config", new { settings = new { catalog = new { cacheTtl = "00:05:00" } }, reason = "catalog cache test" });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var version = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();
        // Until this instance has applied the new lifetime, what it caches keeps the default one and may expire
        // mid-test on a busy machine (a search test found its cached answer gone after a few seconds in CI).
        var patience = System.Diagnostics.Stopwatch.StartNew();
        while (AppliedSettingsVersion(Shop.App) < version)
        {
            Assert.True(patience.Elapsed < TimeSpan.FromSeconds(10), $"settings version {version} not applied within 10 s");
            await Task.Delay(20);
        }

        return new SettingsRollback(admin, version);
    }

    /// <summary>The settings version this instance has applied.</summary>
    public int AppliedSettingsVersion(WebApplication app) => app.Services.GetRequiredService<SettingsApplier>().AppliedVersion;

    /// <summary>A settings change that is rolled back when disposed; <see cref="Version"/> is the version it made.</summary>
    public sealed class SettingsRollback(HttpClient admin, int version) : IAsyncDisposable
    {
        public int Version => version;

        public async ValueTask DisposeAsync() =>
            (await admin.PostAsJsonAsync("/api/admin/config/rollback", new { version = version - 1, reason = "end of catalog cache test" })).EnsureSuccessStatusCode();
    }

    private async Task<string> SignInAdminAsync()
    {
        using var client = Shop.Client();
        await client.RegisterAsync(AdminEmail);
        await Shop.ExecuteAsync("UPDATE users SET roles = array_append(roles, 'admin') WHERE normalized_email = lower($1)", AdminEmail);
        return await client.SignInAsync(AdminEmail);
    }
}

[CollectionDefinition(Name)]
public sealed class CatalogAdminCollection : ICollectionFixture<CatalogAdminFixture>
{
    public const string Name = "catalog-admin";
}
