using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Shop.Tests.CatalogAdmin;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.Tests.WaitingRoom;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Shop.Tests.Sales;

/// <summary>
/// The product list and page show an open sale's price beside the regular one (laid over the cached catalog at each
/// answer), as checkout charges it, and only inside the window.
/// </summary>
[Collection(CatalogAdminCollection.Name)]
public sealed class SalePriceInCatalogTests(CatalogAdminFixture catalog)
{
    private ShopFixture Shop => catalog.Shop;

    [Fact]
    public async Task While_a_sale_is_open_the_list_and_the_page_show_its_price_and_units_left_as_checkout_charges_and_not_outside_it()
    {
        using var admin = await catalog.AdminAsync();
        var name = "Saleprice " + Guid.NewGuid().ToString("N")[..10];
        var product = (await catalog.CreateProductAsync(admin, name, priceCents: 4000, stock: 5)).GetProperty("id").GetInt64();
        var sale = await admin.CreateSaleAsync((product, 1500, 2));
        using var anonymous = Shop.Client();

        // Upcoming: regular price only (and now in the catalog cache, which must not keep the sale out once it opens).
        Assert.Equal(JsonValueKind.Null, (await anonymous.ProductAsync(product)).GetProperty("sale").ValueKind);
        Assert.Equal(JsonValueKind.Null, (await ListedAsync(anonymous, name, product)).GetProperty("sale").ValueKind);

        await Shop.OpenSaleAsync(sale.Id());
        var shown = await anonymous.ProductOnceAsync(product, sale => sale.ValueKind == JsonValueKind.Object);
        Assert.Equal(4000, shown.GetProperty("priceCents").GetInt64());
        var terms = shown.GetProperty("sale");
        Assert.Equal(sale.Id(), terms.GetProperty("saleId").GetInt64());
        Assert.Equal(sale.GetProperty("name").GetString(), terms.GetProperty("name").GetString());
        Assert.Equal(1500, terms.GetProperty("priceCents").GetInt64());
        Assert.Equal(2, terms.GetProperty("unitsLeft").GetInt32());
        Assert.True(terms.GetProperty("endsAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.Equal(1500, (await ListedAsync(anonymous, name, product)).GetProperty("sale").GetProperty("priceCents").GetInt64());

        // What the page showed is what checkout charges; the units left follow the sale.
        using var buyer = await Shop.SignedInClientAsync();
        await buyer.AddToCartAsync(product, 1);
        var receipt = await (await buyer.CheckoutThroughRoomAsync("at-the-shown-price")).EnsureSuccessStatusCode().ReceiptAsync();
        Assert.Equal(terms.GetProperty("priceCents").GetInt64(), receipt.TotalCents);
        await anonymous.ProductOnceAsync(product, sale => sale.ValueKind == JsonValueKind.Object && sale.GetProperty("unitsLeft").GetInt32() == 1);

        await Shop.EndSaleAsync(sale.Id());
        var after = await anonymous.ProductOnceAsync(product, sale => sale.ValueKind == JsonValueKind.Null);
        Assert.Equal(4000, after.GetProperty("priceCents").GetInt64());
        Assert.Equal(JsonValueKind.Null, (await ListedAsync(anonymous, name, product)).GetProperty("sale").ValueKind);
    }

    [Fact]
    public async Task The_sale_shows_from_the_instant_its_window_opens_to_the_instant_it_closes()
    {
        using var admin = await catalog.AdminAsync();
        var product = await catalog.CreateProductAsync(admin, priceCents: 4000, stock: 5);
        var sale = await admin.CreateSaleAsync((product, 1500, 2));

        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var sales = await Shop.SalesSnapshotAsync(clock, product);
        try
        {
            // The window as stored (to the microsecond), which is what the snapshot judges by.
            var (startsAt, endsAt) = (await sales.FindAsync(sale.Id(), CancellationToken.None)) is { } window
                ? (window.StartsAt, window.EndsAt) : throw new InvalidOperationException("the sale is not in the snapshot");
            // Judged by the clock at each answer, from the snapshot already held: no refresh needed at either instant.
            // (Other tests' sales may be open in the shared database, so AnyOpen is only asserted once this one is.)
            clock.Advance(startsAt - clock.GetUtcNow() - TimeSpan.FromTicks(1));
            Assert.Null(sales.OpenSaleOf(product));

            clock.Advance(TimeSpan.FromTicks(1));
            Assert.True(sales.AnyOpen);
            Assert.Equal(new Bulwark.Shop.Catalog.ProductSale(sale.Id(), sale.GetProperty("name").GetString()!, 1500, 2, endsAt), sales.OpenSaleOf(product));
            Assert.Null(sales.OpenSaleOf(product + 1));

            clock.Advance(endsAt - clock.GetUtcNow());
            Assert.Null(sales.OpenSaleOf(product));
        }
        finally
        {
            await sales.StopAsync(CancellationToken.None);
            sales.Dispose();
        }
    }

    private static async Task<JsonElement> ListedAsync(HttpClient client, string name, long productId)
    {
        var page = await client.GetFromJsonAsync<JsonElement>($"/api/products?q={Uri.EscapeDataString(name)}");
        return page.GetProperty("items").EnumerateArray().Single(item => item.GetProperty("id").GetInt64() == productId);
    }
}
