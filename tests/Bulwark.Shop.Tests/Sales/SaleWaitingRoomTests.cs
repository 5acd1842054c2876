using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Shop.Tests.CatalogAdmin;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.WaitingRoom;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Shop.Tests.Sales;

/// <summary>The sales feed the waiting room (SaleQueueSource): an open sale's items are bought in turns, a sold-out one at once says so.</summary>
[Collection(CatalogAdminCollection.Name)]
public sealed class SaleWaitingRoomTests(CatalogAdminFixture catalog)
{
    private static readonly TimeSpan SaleQueueSourceRefresh = Bulwark.Shop.Sales.SaleQueueSource.IdleRefreshInterval;

    private ShopFixture Shop => catalog.Shop;

    [Fact]
    public async Task While_a_sale_is_open_its_items_need_the_sales_admission_and_buy_at_the_sale_price_with_it()
    {
        using var admin = await catalog.AdminAsync();
        var product = await catalog.CreateProductAsync(admin, priceCents: 4000, stock: 5);
        var sale = await admin.CreateSaleAsync((product, 1500, 2));
        await Shop.OpenSaleAsync(sale.Id());
        using var buyer = await Shop.SignedInClientAsync();
        await buyer.AddToCartAsync(product, 1);

        // The test moved the window in the database; the room's snapshot of the sales catches up within a refresh (2 s
        // while it follows no sale, 250 ms once it does).
        // A real sale is known from its creation on, so its opening gates checkout from the first instant.
        await Task.Delay(SaleQueueSourceRefresh + TimeSpan.FromSeconds(1));
        var refused = await buyer.CheckoutAsync("turns");

        var problem = await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests, "waiting room");
        Assert.Equal(WaitingRoomProblems.Type, problem.GetProperty("type").GetString());
        Assert.Equal(sale.Id(), problem.GetProperty("saleId").GetInt64());
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(5, await Shop.StockAsync(product));

        var receipt = await (await buyer.CheckoutThroughRoomAsync("turns")).EnsureSuccessStatusCode().ReceiptAsync();
        Assert.Equal(1500, receipt.TotalCents);
    }

    [Fact]
    public async Task Once_the_sales_units_are_gone_a_poll_says_sold_out_and_checkout_answers_409_without_a_turn()
    {
        using var admin = await catalog.AdminAsync();
        var product = await catalog.CreateProductAsync(admin, priceCents: 4000, stock: 5);
        var sale = await admin.CreateSaleAsync((product, 1500, 1));
        await Shop.OpenSaleAsync(sale.Id());
        using var first = await Shop.SignedInClientAsync();
        using var late = await Shop.SignedInClientAsync();
        await first.AddToCartAsync(product, 1);
        await late.AddToCartAsync(product, 1);
        var joined = await (await late.PostAsJsonAsync("/api/waiting-room", new { saleId = sale.Id() })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<JsonElement>();

        (await first.CheckoutThroughRoomAsync("the-one")).EnsureSuccessStatusCode();

        var ticket = joined.GetProperty("ticket").GetString();
        var soldOut = false;
        for (var i = 0; i < 20 && !soldOut; i++)
        {
            await Task.Delay(100);
            var place = await late.GetFromJsonAsync<JsonElement>($"/api/waiting-room/{ticket}");
            soldOut = place.TryGetProperty("soldOut", out var flag) && flag.GetBoolean();
        }

        Assert.True(soldOut, "the poll did not say sold out within 2 s");
        await (await late.CheckoutAsync("too-late")).AssertProblemAsync(HttpStatusCode.Conflict, "sold out");
    }
    [Fact]
    public async Task The_lines_tick_reads_the_sales_units_left_in_its_own_statement_not_from_the_sales_copy()
    {
        using var admin = await catalog.AdminAsync();
        var product = await catalog.CreateProductAsync(admin, priceCents: 4000, stock: 10);
        var sale = await admin.CreateSaleAsync((product, 1500, 3));
        await Shop.OpenSaleAsync(sale.Id());
        using var buyer = await Shop.SignedInClientAsync();
        await buyer.AddToCartAsync(product, 1);
        // Joining makes the room's row; the purchase attaches the sale to the product's row.
        (await buyer.PostAsJsonAsync("/api/waiting-room", new { saleId = sale.Id() })).EnsureSuccessStatusCode();
        (await buyer.CheckoutThroughRoomAsync("first-unit")).EnsureSuccessStatusCode();
        var store = Shop.App.Services.GetRequiredService<WaitingRoomStore>();
        var room = WaitingRooms.SaleRoom(sale.Id());

        Assert.Equal(2, await UnitsLeftOnTickAsync(store, room));

        // A unit sold by a commit the sales feature's copy has not seen yet (it refreshes every 250 ms): the very next
        // tick counts it, so the line cannot let a buyer in for it.
        await Shop.ExecuteAsync("UPDATE products SET sale_units_left = sale_units_left - 1 WHERE id = $1", product);
        Assert.Equal(1, await UnitsLeftOnTickAsync(store, room));
    }

    private static async Task<long?> UnitsLeftOnTickAsync(WaitingRoomStore store, string room)
    {
        var reading = await store.TickAsync((_, _) => null, new OutflowReport(Guid.NewGuid(), 0, TimeSpan.FromSeconds(1)), since: null,
            TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.All(reading.Rows.Where(row => WaitingRooms.SaleOf(row.Room) is null), row => Assert.Null(row.UnitsLeft));
        return Assert.Single(reading.Rows, row => row.Room == room).UnitsLeft;
    }
}
