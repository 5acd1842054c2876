using System.Net;
using System.Net.Http.Json;
using Bulwark.Guard.Edge;
using Bulwark.Shop.Cart;
using Bulwark.Shop.Checkout;
using Bulwark.Shop.Tests.CatalogAdmin;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.Tests.WaitingRoom;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Shop.Tests.Sales;

/// <summary>
/// A cart change of a sale's item is the first step of a purchase the waiting room meters: the edge does not shed it
/// (<see cref="SaleCartPass"/>) while the sale's window has not ended, and once the sale has sold every unit the cart
/// says so from memory. The sales are real (admin API, PostgreSQL); the pass reads a snapshot on the test's clock.
/// </summary>
[Collection(CatalogAdminCollection.Name)]
public sealed class SaleCartPassTests(CatalogAdminFixture catalog)
{
    private ShopFixture Shop => catalog.Shop;

    [Fact]
    public async Task The_edge_passes_cart_changes_of_a_sales_item_until_the_window_ends_and_no_others()
    {
        using var admin = await catalog.AdminAsync();
        var onSale = await catalog.CreateProductAsync(admin, priceCents: 4000, stock: 5);
        var regular = await catalog.CreateProductAsync(admin, priceCents: 4000, stock: 5);
        var sale = await admin.CreateSaleAsync((onSale, 1500, 2));
        var endsAt = sale.GetProperty("endsAt").GetDateTimeOffset();
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var sales = await Shop.SalesSnapshotAsync(clock, onSale);
        try
        {
            var pass = new SaleCartPass(sales);
            Assert.True(pass.IsPreAdmitted(Request($"/api/cart/items/{onSale}")));
            Assert.True(pass.IsPreAdmitted(Request($"/api/cart/items/{onSale}/")));
            Assert.False(pass.IsPreAdmitted(Request($"/api/cart/items/{regular}")));
            Assert.False(pass.IsPreAdmitted(Request("/api/cart/items/not-a-number")));
            Assert.False(pass.IsPreAdmitted(Request($"/api/cart/items/-{onSale}")));

            clock.Advance(endsAt - clock.GetUtcNow());
            Assert.False(pass.IsPreAdmitted(Request($"/api/cart/items/{onSale}")));
        }
        finally
        {
            await sales.StopAsync(CancellationToken.None);
            sales.Dispose();
        }

        // The shop's own route table carries the pass for changing and removing a cart line, not for reading the cart.
        var routes = Shop.App.Services.GetRequiredService<EdgeRouteTable>();
        Assert.IsType<SaleCartPass>(routes.Match(HttpMethods.Put, $"/api/cart/items/{onSale}").PreAdmission);
        Assert.IsType<SaleCartPass>(routes.Match(HttpMethods.Delete, $"/api/cart/items/{onSale}").PreAdmission);
        Assert.Null(routes.Match(HttpMethods.Get, "/api/cart").PreAdmission);
    }

    [Fact]
    public async Task Once_an_open_sale_has_sold_every_unit_adding_its_item_is_409_sold_out_and_the_cart_is_unchanged()
    {
        using var admin = await catalog.AdminAsync();
        var product = await catalog.CreateProductAsync(admin, priceCents: 3000, stock: 10);
        var sale = await admin.CreateSaleAsync((product, 1500, 1));
        await Shop.OpenSaleAsync(sale.Id());
        using var buyer = await Shop.SignedInClientAsync();
        await buyer.AddToCartAsync(product, 1);
        (await buyer.CheckoutThroughRoomAsync("the-only-unit")).EnsureSuccessStatusCode();
        using var late = await Shop.SignedInClientAsync();

        // The shop's snapshot follows the sale within a refresh (250 ms): until then the item still goes in.
        HttpResponseMessage refused;
        for (var attempt = 0; ; attempt++)
        {
            refused = await late.PutAsJsonAsync($"/api/cart/items/{product}", new { quantity = 1 });
            if (refused.StatusCode == HttpStatusCode.Conflict)
            {
                break;
            }

            Assert.True(attempt < 30, $"still answered {(int)refused.StatusCode} two seconds after the sell-out");
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            (await late.DeleteAsync($"/api/cart/items/{product}")).EnsureSuccessStatusCode();
            await Task.Delay(100);
        }

        var problem = await refused.AssertProblemAsync(HttpStatusCode.Conflict, "Sold out", sale.Id().ToString());
        Assert.Equal(CheckoutApi.SaleSoldOutType, problem.GetProperty("type").GetString());
        Assert.Equal(sale.Id(), problem.GetProperty("saleId").GetInt64());
        Assert.Equal(0, (await late.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/cart")).GetProperty("items").GetArrayLength());

        // Taking a line out is never refused, and after the window the item is sold at its regular price again.
        (await late.DeleteAsync($"/api/cart/items/{product}")).EnsureSuccessStatusCode();
        await Shop.EndSaleAsync(sale.Id());
        for (var attempt = 0; (await late.PutAsJsonAsync($"/api/cart/items/{product}", new { quantity = 1 })).StatusCode != HttpStatusCode.OK; attempt++)
        {
            Assert.True(attempt < 30, "the ended sale still refused the item two seconds later");
            await Task.Delay(100);
        }
    }

    private static HttpRequest Request(string path)
    {
        var request = new DefaultHttpContext().Request;
        request.Method = HttpMethods.Put;
        request.Path = path;
        return request;
    }
}
