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
/// Once an open sale has sold every unit, putting its item in the cart is a 409 from memory, and the edge lets such a
/// change through (<see cref="SaleCartPass"/>) so that a late crowd hears it at once; other cart changes are shed as
/// usual. The pass is checked against the waiting-room tests' stand-in sales; the 409 against real ones (admin API,
/// PostgreSQL, the shop's own snapshot).
/// </summary>
[Collection(CatalogAdminCollection.Name)]
public sealed class SaleCartPassTests(CatalogAdminFixture catalog)
{
    private ShopFixture Shop => catalog.Shop;

    [Fact]
    public void The_edge_passes_only_cart_changes_it_can_answer_from_memory_an_open_sale_sold_out()
    {
        var sales = new TestSales(() => throw new InvalidOperationException("the pass reads no database"));
        var now = DateTimeOffset.UtcNow;
        long soldOut = 9001, selling = 9002, upcoming = 9003, ended = 9004, regular = 9005;
        sales.Put(sales.NewSaleId(), soldOut, now.AddMinutes(-1), now.AddHours(1), unitsLeft: 0);
        sales.Put(sales.NewSaleId(), selling, now.AddMinutes(-1), now.AddHours(1), unitsLeft: 3);
        sales.Put(sales.NewSaleId(), upcoming, now.AddHours(1), now.AddHours(2), unitsLeft: 0);
        sales.Put(sales.NewSaleId(), ended, now.AddHours(-2), now.AddMinutes(-1), unitsLeft: 0);
        var pass = new SaleCartPass(sales, TimeProvider.System);

        Assert.True(pass.IsPreAdmitted(Request($"/api/cart/items/{soldOut}")));
        Assert.True(pass.IsPreAdmitted(Request($"/api/cart/items/{soldOut}/")));
        // Still selling: shed as usual, since on a saturated core such changes would queue to their deadline.
        Assert.False(pass.IsPreAdmitted(Request($"/api/cart/items/{selling}")));
        Assert.False(pass.IsPreAdmitted(Request($"/api/cart/items/{upcoming}")));
        Assert.False(pass.IsPreAdmitted(Request($"/api/cart/items/{ended}")));
        Assert.False(pass.IsPreAdmitted(Request($"/api/cart/items/{regular}")));
        Assert.False(pass.IsPreAdmitted(Request("/api/cart/items/not-a-number")));
        Assert.False(pass.IsPreAdmitted(Request($"/api/cart/items/-{soldOut}")));

        // The shop's own route table carries the pass for putting an item in the cart only: removing one needs the database.
        var routes = Shop.App.Services.GetRequiredService<EdgeRouteTable>();
        Assert.IsType<SaleCartPass>(routes.Match(HttpMethods.Put, $"/api/cart/items/{soldOut}").PreAdmission);
        Assert.Null(routes.Match(HttpMethods.Delete, $"/api/cart/items/{soldOut}").PreAdmission);
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
