using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Database;
using Bulwark.Shop.Sales;
using Bulwark.Shop.Tests.CatalogAdmin;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.WaitingRoom;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bulwark.Shop.Tests.Sales;

/// <summary>Making sales over the admin API, and moving their windows in the database to open or end them now.</summary>
public static class SaleSteps
{
    public static async Task<long> CreateProductAsync(this CatalogAdminFixture catalog, HttpClient admin, long priceCents, int stock) =>
        (await catalog.CreateProductAsync(admin, "Sale item " + Guid.NewGuid().ToString("N")[..8], priceCents: priceCents, stock: stock))
            .GetProperty("id").GetInt64();

    /// <summary>Schedules a sale of the items (productId, priceCents, quantity) starting in an hour; answers it as created.</summary>
    public static async Task<JsonElement> CreateSaleAsync(this HttpClient admin, params (long ProductId, long PriceCents, int Quantity)[] items)
    {
        var startsAt = DateTimeOffset.UtcNow.AddHours(1);
        var response = await admin.PostAsJsonAsync("/api/admin/sales", new
        {
            name = "Flash " + Guid.NewGuid().ToString("N")[..6],
            startsAt,
            endsAt = startsAt.AddHours(2),
            items = items.Select(item => new { productId = item.ProductId, priceCents = item.PriceCents, quantity = item.Quantity }),
        });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Moves the sale's window so that it opened a second ago (by the database's clock, which checkout decides by).</summary>
    public static Task OpenSaleAsync(this ShopFixture shop, long saleId) =>
        shop.ExecuteAsync("UPDATE sales SET starts_at = now() - interval '1 second', ends_at = now() + interval '1 hour' WHERE id = $1", saleId);

    /// <summary>Moves the sale's window into the past.</summary>
    public static Task EndSaleAsync(this ShopFixture shop, long saleId) =>
        shop.ExecuteAsync("UPDATE sales SET starts_at = now() - interval '2 hours', ends_at = now() - interval '1 second' WHERE id = $1", saleId);

    public static async Task<JsonElement> SaleAsync(this ShopFixture shop, long saleId)
    {
        using var anonymous = shop.Client();
        return await anonymous.GetFromJsonAsync<JsonElement>($"/api/sales/{saleId}");
    }

    public static async Task<int> UnitsLeftAsync(this ShopFixture shop, long saleId) =>
        (await shop.SaleAsync(saleId)).GetProperty("items")[0].GetProperty("unitsLeft").GetInt32();

    public static long Id(this JsonElement sale) => sale.GetProperty("id").GetInt64();

    /// <summary>
    /// A sales snapshot of the test's own over the shop's database, on the test's clock, started and holding the sale of
    /// <paramref name="productId"/> (made beforehand). The caller stops and disposes it.
    /// </summary>
    public static async Task<SaleQueueSource> SalesSnapshotAsync(this ShopFixture shop, TimeProvider clock, long productId)
    {
        var services = shop.App.Services;
        var gate = services.GetRequiredService<IDatabaseGate>();
        var sales = new SaleQueueSource(new SaleCatalog(gate, clock), gate, services.GetRequiredService<DatabaseReadiness>(),
            services.GetRequiredService<WaitingRooms>(), clock, services.GetRequiredService<ILogger<SaleQueueSource>>());
        await sales.StartAsync(CancellationToken.None);
        // The first refresh runs at once; wait for the snapshot to hold the sale.
        for (var i = 0; i < 50 && !sales.InSale(productId); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(sales.InSale(productId), "the snapshot did not pick up the sale");
        return sales;
    }

    public static async Task<JsonElement> ProductAsync(this HttpClient client, long productId) =>
        await client.GetFromJsonAsync<JsonElement>($"/api/products/{productId}");

    /// <summary>The product as GET /api/products/{id} answers it, once its sale reads as expected: the sales' snapshot follows the database within a refresh (2 s while no sale is followed).</summary>
    public static async Task<JsonElement> ProductOnceAsync(this HttpClient client, long productId, Func<JsonElement, bool> expected)
    {
        for (var attempt = 0; ; attempt++)
        {
            var product = await client.ProductAsync(productId);
            if (expected(product.GetProperty("sale")))
            {
                return product;
            }

            Assert.True(attempt < 50, $"the product page still reads {product}");
            await Task.Delay(100);
        }
    }
}
