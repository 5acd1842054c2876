using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Bulwark.Guard.Edge;
using Bulwark.Shop.Cart;
using Bulwark.Shop.Checkout;
using Bulwark.Shop.Tests.CatalogAdmin;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.Catalog;
using Bulwark.Shop.Tests.WaitingRoom;
using Bulwark.Shop.WaitingRoom;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Shop.Tests.Sales;

/// <summary>
/// Once an open sale has sold every unit, putting its item in the cart is a 409 from memory, and the edge lets such a
/// change through (<see cref="SaleCartPass"/>) so that a late crowd hears it at once; so it does a change carrying that
/// sale's admission (the buyer whose change was shed joined the line); other cart changes are shed as usual. The pass is checked against open sales the test sets; the 409 against real ones (admin API, PostgreSQL, the
/// shop's own snapshot).
/// </summary>
[Collection(CatalogAdminCollection.Name)]
public sealed class SaleCartPassTests(CatalogAdminFixture catalog)
{
    private ShopFixture Shop => catalog.Shop;

    [Fact]
    public void The_edge_passes_only_cart_changes_it_can_answer_from_memory_an_item_whose_open_sale_sold_out()
    {
        long soldOut = 9001, selling = 9002, regular = 9003;
        var endsAt = DateTimeOffset.UtcNow.AddHours(1);
        var pass = new SaleCartPass(new OpenSales(new()
        {
            [soldOut] = new ProductSale(1, "Flash", 1500, UnitsLeft: 0, endsAt),
            [selling] = new ProductSale(2, "Flash", 1500, UnitsLeft: 3, endsAt),
        }), new WaitingRoomSigner(RandomNumberGenerator.GetBytes(32)), TimeProvider.System);

        Assert.True(pass.IsPreAdmitted(Request($"/api/cart/items/{soldOut}")));
        Assert.True(pass.IsPreAdmitted(Request($"/api/cart/items/{soldOut}/")));
        // Still selling: shed as usual, since on a saturated core such changes would queue to their deadline.
        Assert.False(pass.IsPreAdmitted(Request($"/api/cart/items/{selling}")));
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
    public void The_edge_passes_a_cart_change_of_a_sale_still_selling_with_a_live_admission_of_that_sales_room_only()
    {
        long selling = 9101, otherSale = 9102, regular = 9103;
        var now = new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(now);
        var signer = new WaitingRoomSigner(RandomNumberGenerator.GetBytes(32));
        var pass = new SaleCartPass(new OpenSales(new()
        {
            [selling] = new ProductSale(7, "Flash", 1500, UnitsLeft: 3, now.AddHours(1)),
            [otherSale] = new ProductSale(8, "Other", 1500, UnitsLeft: 3, now.AddHours(1)),
        }), signer, clock);
        var admission = signer.Sign(new AdmissionClaim(WaitingRooms.SaleRoom(7), UserId: 42, Sequence: 3, ExpiresAt: now.AddMinutes(2)));

        Assert.True(pass.IsPreAdmitted(Request($"/api/cart/items/{selling}", admission)));
        // Another sale's admission, the general room's, a ticket, a forged or an expired one: shed as usual.
        Assert.False(pass.IsPreAdmitted(Request($"/api/cart/items/{otherSale}", admission)));
        Assert.False(pass.IsPreAdmitted(Request($"/api/cart/items/{regular}", admission)));
        Assert.False(pass.IsPreAdmitted(Request($"/api/cart/items/{selling}",
            signer.Sign(new AdmissionClaim(WaitingRooms.GeneralRoom, 42, 3, now.AddMinutes(2))))));
        Assert.False(pass.IsPreAdmitted(Request($"/api/cart/items/{selling}",
            signer.Sign(new TicketClaim(WaitingRooms.SaleRoom(7), 42, 3, now.AddMinutes(2))))));
        Assert.False(pass.IsPreAdmitted(Request($"/api/cart/items/{selling}",
            new WaitingRoomSigner(RandomNumberGenerator.GetBytes(32)).Sign(new AdmissionClaim(WaitingRooms.SaleRoom(7), 42, 3, now.AddMinutes(2))))));
        Assert.False(pass.IsPreAdmitted(Request($"/api/cart/items/{selling}")));
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.False(pass.IsPreAdmitted(Request($"/api/cart/items/{selling}", admission)));
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

    /// <summary>The open sales as the catalog shows them, set by the test (upcoming and ended sales are not open: none shown).</summary>
    private sealed class OpenSales(Dictionary<long, ProductSale> open) : ICatalogSales
    {
        public bool AnyOpen => open.Count > 0;

        public ProductSale? OpenSaleOf(long productId) => open.GetValueOrDefault(productId);
    }

    private static HttpRequest Request(string path, string? admission = null)
    {
        var request = new DefaultHttpContext().Request;
        request.Method = HttpMethods.Put;
        request.Path = path;
        if (admission is not null)
        {
            request.Headers[CheckoutAdmission.Header] = admission;
        }

        return request;
    }
}
