using System.Net;
using Bulwark.Shop.Orders;
using Bulwark.Shop.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Tests.Orders;

/// <summary>A customer cancels their own paid order within the cancel window: refunded through the gateway, stock back.</summary>
[Collection(ShopCollection.Name)]
public sealed class CancelTests(ShopFixture shop)
{
    [Fact]
    public async Task Within_the_window_the_owner_cancels_and_is_refunded_and_the_stock_comes_back_once()
    {
        Assert.Equal(TimeSpan.FromMinutes(30), shop.App.Services.GetRequiredService<IOptions<OrdersOptions>>().Value.CancelWindow);
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 10);
        using var buyer = await shop.SignedInClientAsync();
        var orderId = await buyer.PaidOrderAsync(productId, 4);

        using var cancelled = await buyer.CancelAsync(orderId);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", await OrderSteps.OrderStatusOfAsync(cancelled));
        using var again = await buyer.CancelAsync(orderId);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        Assert.Equal(10, await shop.StockAsync(productId));
        Assert.Equal(1, (await shop.GatewayRefundsAsync(orderId)).Count);
        Assert.Equal("cancelled", await OrderSteps.OrderStatusOfAsync(await buyer.GetAsync($"/api/orders/{orderId}")));
    }

    [Fact]
    public async Task Outside_the_window_cancelling_is_409_and_nothing_moves()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 10);
        using var buyer = await shop.SignedInClientAsync();
        var orderId = await buyer.PaidOrderAsync(productId, 2);
        await shop.ExecuteAsync("UPDATE orders SET created_at = now() - interval '31 minutes' WHERE id = $1", orderId);

        var problem = await (await buyer.CancelAsync(orderId)).AssertProblemAsync(HttpStatusCode.Conflict, "30 minutes");
        Assert.Equal("paid", problem.GetProperty("orderStatus").GetString());
        Assert.Equal("paid", await shop.StatusAsync(orderId));
        Assert.Equal(8, await shop.StockAsync(productId));
        Assert.Equal(0, (await shop.GatewayRefundsAsync(orderId)).Count);

        // An admin still can refund it.
        using var admin = await shop.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.RefundAsync(orderId, "customer asked after the window")).StatusCode);
        Assert.Equal(10, await shop.StockAsync(productId));
    }

    [Fact]
    public async Task Another_users_order_is_404_to_cancel_and_anonymous_is_401()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 10);
        using var owner = await shop.SignedInClientAsync();
        using var stranger = await shop.SignedInClientAsync();
        var orderId = await owner.PaidOrderAsync(productId);

        await (await stranger.CancelAsync(orderId)).AssertProblemAsync(HttpStatusCode.NotFound);
        using var anonymous = shop.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.CancelAsync(orderId)).StatusCode);
        Assert.Equal("paid", await shop.StatusAsync(orderId));
        Assert.Equal(9, await shop.StockAsync(productId));
    }
}
