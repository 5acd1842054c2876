using System.Net;
using System.Net.Http.Json;
using Bulwark.Shop.Checkout;
using Bulwark.Shop.Tests.CatalogAdmin;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.Sales;

[Collection(CatalogAdminCollection.Name)]
public sealed class SaleCheckoutTests(CatalogAdminFixture catalog)
{
    private ShopFixture Shop => catalog.Shop;

    [Fact]
    public async Task Before_the_start_a_checkout_holding_a_sale_item_is_409_with_the_start_time_and_takes_nothing()
    {
        using var admin = await catalog.AdminAsync();
        var product = await catalog.CreateProductAsync(admin, priceCents: 3000, stock: 10);
        var sale = await admin.CreateSaleAsync((product, 1000, 4));
        using var buyer = await Shop.SignedInClientAsync();
        await buyer.AddToCartAsync(product, 1);

        var problem = await (await buyer.CheckoutThroughRoomAsync("early")).AssertProblemAsync(HttpStatusCode.Conflict, "not open yet", product.ToString());

        Assert.Equal(CheckoutApi.SaleNotOpenType, problem.GetProperty("type").GetString());
        Assert.Equal(sale.GetProperty("startsAt").GetDateTimeOffset(), problem.GetProperty("startsAt").GetDateTimeOffset());
        Assert.Equal(sale.Id(), problem.GetProperty("saleId").GetInt64());
        Assert.Equal(10, await Shop.StockAsync(product));
        // The key was given back with everything else: once the sale opens, the same key buys.
        await Shop.OpenSaleAsync(sale.Id());
        var receipt = await (await buyer.CheckoutThroughRoomAsync("early")).EnsureSuccessStatusCode().ReceiptAsync();
        Assert.Equal(1000, receipt.TotalCents);
    }

    [Fact]
    public async Task In_the_window_the_sale_price_is_charged_and_recorded_on_the_line_and_after_it_the_regular_price()
    {
        using var admin = await catalog.AdminAsync();
        var product = await catalog.CreateProductAsync(admin, priceCents: 3000, stock: 10);
        var regular = await catalog.CreateProductAsync(admin, priceCents: 500, stock: 10);
        var sale = await admin.CreateSaleAsync((product, 1200, 4));
        await Shop.OpenSaleAsync(sale.Id());
        using var buyer = await Shop.SignedInClientAsync();
        await buyer.AddToCartAsync(product, 2);
        await buyer.AddToCartAsync(regular, 1);

        var inWindow = await (await buyer.CheckoutThroughRoomAsync("in-window")).EnsureSuccessStatusCode().ReceiptAsync();

        Assert.Equal(2 * 1200 + 500, inWindow.TotalCents);
        Assert.Equal(1200, await Shop.ScalarAsync<long>("SELECT unit_price_cents FROM order_lines WHERE order_id = $1 AND product_id = $2", inWindow.OrderId, product));
        Assert.Equal(2, await Shop.UnitsLeftAsync(sale.Id()));
        Assert.Equal(8, await Shop.StockAsync(product));

        await Shop.EndSaleAsync(sale.Id());
        Assert.Equal("ended", (await Shop.SaleAsync(sale.Id())).GetProperty("state").GetString());
        await buyer.AddToCartAsync(product, 1);
        var after = await (await buyer.CheckoutThroughRoomAsync("after-window")).EnsureSuccessStatusCode().ReceiptAsync();
        Assert.Equal(3000, after.TotalCents);
        Assert.Equal(3000, await Shop.ScalarAsync<long>("SELECT unit_price_cents FROM order_lines WHERE order_id = $1", after.OrderId));
        Assert.Equal(10, await Shop.StockAsync(product) + await Shop.UnitsInLiveOrdersAsync(product));
    }

    [Fact]
    public async Task When_the_sales_units_are_gone_the_item_is_sold_out_though_regular_stock_remains_and_sells_again_after_the_window()
    {
        using var admin = await catalog.AdminAsync();
        var product = await catalog.CreateProductAsync(admin, priceCents: 3000, stock: 10);
        var sale = await admin.CreateSaleAsync((product, 1500, 2));
        await Shop.OpenSaleAsync(sale.Id());
        using var first = await Shop.SignedInClientAsync();
        await first.AddToCartAsync(product, 2);
        // In the cart before the units go: once they are gone, adding the item is refused (the test below).
        using var late = await Shop.SignedInClientAsync();
        await late.AddToCartAsync(product, 1);
        (await first.CheckoutThroughRoomAsync("all-of-it")).EnsureSuccessStatusCode();
        var ordersBefore = await Shop.ScalarAsync<long>("SELECT count(*) FROM orders");

        var problem = await (await late.CheckoutThroughRoomAsync("too-late")).AssertProblemAsync(HttpStatusCode.Conflict, "sold out", product.ToString());

        Assert.Equal(CheckoutApi.SaleSoldOutType, problem.GetProperty("type").GetString());
        Assert.Equal(0, problem.GetProperty("available").GetInt32());
        Assert.Equal(8, await Shop.StockAsync(product));
        Assert.Equal(ordersBefore, await Shop.ScalarAsync<long>("SELECT count(*) FROM orders"));
        Assert.Equal(0, await Shop.UnitsLeftAsync(sale.Id()));

        await Shop.EndSaleAsync(sale.Id());
        var regular = await (await late.CheckoutThroughRoomAsync("too-late")).EnsureSuccessStatusCode().ReceiptAsync();
        Assert.Equal(3000, regular.TotalCents);
    }

    [Fact]
    public async Task A_declined_payment_gives_its_units_back_to_the_sale()
    {
        using var admin = await catalog.AdminAsync();
        var product = await catalog.CreateProductAsync(admin, priceCents: 3000, stock: 10);
        var sale = await admin.CreateSaleAsync((product, 1500, 1));
        await Shop.OpenSaleAsync(sale.Id());
        using var declined = await Shop.SignedInClientAsync();
        await declined.AddToCartAsync(product, 1);
        // In the cart beforehand: while the declined checkout holds the only unit, the shop's snapshot may read the sale
        // as sold out, and adding the item is refused until the next refresh sees the unit given back.
        using var buyer = await Shop.SignedInClientAsync();
        await buyer.AddToCartAsync(product, 1);

        Assert.Equal(HttpStatusCode.PaymentRequired, (await declined.CheckoutThroughRoomAsync("declined", "tok_declined")).StatusCode);

        Assert.Equal(1, await Shop.UnitsLeftAsync(sale.Id()));
        Assert.Equal(1500, (await (await buyer.CheckoutThroughRoomAsync("second")).EnsureSuccessStatusCode().ReceiptAsync()).TotalCents);
        Assert.Equal(0, await Shop.UnitsLeftAsync(sale.Id()));
    }

    [Fact]
    public async Task A_cart_with_one_short_line_takes_nothing_and_names_that_line()
    {
        using var admin = await catalog.AdminAsync();
        var plenty = await catalog.CreateProductAsync(admin, priceCents: 100, stock: 5);
        var scarce = await catalog.CreateProductAsync(admin, priceCents: 100, stock: 1);
        using var buyer = await Shop.SignedInClientAsync();
        await buyer.AddToCartAsync(plenty, 2);
        await buyer.AddToCartAsync(scarce, 2);
        var ordersBefore = await Shop.ScalarAsync<long>("SELECT count(*) FROM orders");

        var problem = await (await buyer.CheckoutThroughRoomAsync("short")).AssertProblemAsync(HttpStatusCode.Conflict, "Out of stock", scarce.ToString());

        Assert.Equal(1, problem.GetProperty("available").GetInt32());
        Assert.Equal((5, 1), (await Shop.StockAsync(plenty), await Shop.StockAsync(scarce)));
        Assert.Equal(ordersBefore, await Shop.ScalarAsync<long>("SELECT count(*) FROM orders"));
        await buyer.AddToCartAsync(scarce, 1);
        Assert.Equal(300, (await (await buyer.CheckoutThroughRoomAsync("short")).EnsureSuccessStatusCode().ReceiptAsync()).TotalCents);
    }
}
