using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Bulwark.Shop.Catalog;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.CatalogAdmin;

[Collection(CatalogAdminCollection.Name)]
public sealed class CatalogCacheInvalidationTests(CatalogAdminFixture catalog)
{
    private ShopFixture Shop => catalog.Shop;

    [Fact]
    public async Task A_price_change_reaches_a_second_instances_cache_within_a_second_although_its_entries_live_five_minutes()
    {
        using var admin = await catalog.AdminAsync();
        var product = await catalog.CreateProductAsync(admin, "Copper Saucepan", "Hand-hammered copper.", priceCents: 8900);
        var id = product.GetProperty("id").GetInt64();
        await using var second = await SecondShop.StartAsync(Shop, []);

        // Cached entries now outlive the test by far: only the NOTIFY can make the change visible in time.
        await using var longCache = await catalog.LongCacheAsync(admin);
        await WaitUntilAsync(() => catalog.AppliedSettingsVersion(second.App) >= longCache.Version, TimeSpan.FromSeconds(10));
        using var reader = second.Client();
        var search = "/api/products?q=copper%20saucepan";
        Assert.Equal(8900, (await reader.GetFromJsonAsync<Product>($"/api/products/{id}"))!.PriceCents);
        Assert.Contains((await reader.GetFromJsonAsync<Paged<Product>>(search))!.Items, item => item.Id == id && item.PriceCents == 8900);

        var patched = await admin.PatchAsJsonAsync($"/api/admin/products/{id}", new { priceCents = 7400 });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var clock = Stopwatch.StartNew();
        await WaitUntilAsync(async () => (await ProductOrNullAsync(reader, id))?.PriceCents == 7400, TimeSpan.FromSeconds(1));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"seen after {clock.Elapsed}");
        Assert.Contains((await reader.GetFromJsonAsync<Paged<Product>>(search))!.Items, item => item.Id == id && item.PriceCents == 7400);

        // A top-up reaches it the same way.
        (await admin.PostAsJsonAsync($"/api/admin/products/{id}/stock", new { delta = 5, reason = "restock" })).EnsureSuccessStatusCode();
        await WaitUntilAsync(async () => (await ProductOrNullAsync(reader, id))?.Stock == 15, TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// The product as the instance answers it now; null for a refusal (a freshly started instance on a busy test
    /// machine may shed a read with 503): polling every 20 ms, the next look decides, within the same patience.
    /// </summary>
    private static async Task<Product?> ProductOrNullAsync(HttpClient reader, long id)
    {
        using var response = await reader.GetAsync($"/api/products/{id}");
        return response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests
            ? null
            : await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<Product>();
    }

    private static Task WaitUntilAsync(Func<bool> condition, TimeSpan patience) => WaitUntilAsync(() => Task.FromResult(condition()), patience);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan patience)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < patience, $"Not seen within {patience}.");
            await Task.Delay(20);
        }
    }
}
