using System.Net;
using System.Net.Http.Json;
using Bulwark.Shop.Orders;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests;

[Collection(ShopCollection.Name)]
public sealed class OrdersApiTests(ShopFixture shop)
{
    [Fact]
    public async Task Orders_list_holds_only_the_callers_orders_and_others_are_404()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 10);
        using var ann = await shop.SignedInClientAsync();
        using var bob = await shop.SignedInClientAsync();
        await ann.AddToCartAsync(productId, 1);
        var annOrder = await (await ann.CheckoutAsync("ann-1")).ReceiptAsync();

        var annList = await ann.GetFromJsonAsync<OrdersApi.OrderList>("/api/orders");
        Assert.Equal(annOrder.OrderId, Assert.Single(annList!.Items).OrderId);
        Assert.Empty((await bob.GetFromJsonAsync<OrdersApi.OrderList>("/api/orders"))!.Items);

        await (await bob.GetAsync($"/api/orders/{annOrder.OrderId}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await ann.GetAsync("/api/orders/99999999")).AssertProblemAsync(HttpStatusCode.NotFound);
        using var anonymous = shop.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/orders")).StatusCode);
    }
}
