using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Bulwark.Shop.Checkout;
using Bulwark.Shop.Hosting;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.WaitingRoom;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Shop.Tests;

[Collection(ShopCollection.Name)]
public sealed class CheckoutOutOfTimeTests(ShopFixture shop)
{
    [Fact]
    public async Task A_request_with_no_time_left_for_the_gateway_charges_nothing_and_gives_the_stock_back()
    {
        // A second instance on the same database whose settlement reserve eats the whole 2 s deadline:
        // every checkout reaches the payment step with no time left to call the gateway.
        await using var busy = await ShopApplication.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--ConnectionStrings:Shop", shop.ConnectionString,
            "--Payments:SettleReserve", "00:00:05",
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await busy.StartAsync();
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 3);
        using var client = await shop.SignedInClientAsync();
        await client.AddToCartAsync(productId, 2);
        var token = client.DefaultRequestHeaders.Authorization!.Parameter!;

        // No retrying handler here: the 503 itself is under test.
        using var direct = new HttpClient { BaseAddress = new Uri(busy.Urls.First()) };
        direct.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/checkout") { Content = JsonContent.Create(new { paymentToken = "tok_visa" }) };
        request.Headers.Add("Idempotency-Key", "no-time");
        var response = await direct.SendAsync(request);

        var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "not charged");
        Assert.NotNull(response.Headers.RetryAfter);
        var orderId = problem.GetProperty("orderId").GetInt64();
        Assert.Equal(OrderStatus.PaymentFailed, await shop.ScalarAsync<string>("SELECT status FROM orders WHERE id = $1", orderId));
        Assert.Equal(3, await shop.StockAsync(productId));
        Assert.Equal(0, await shop.ChargesForOrderAsync(orderId));
        // The waiting room's sign that it let out more than checkout can serve: refused, not carried through.
        var checkouts = busy.Services.GetRequiredService<CheckoutThroughput>();
        Assert.Equal((0L, 1L), (checkouts.Completed, checkouts.Refused));
        await busy.StopAsync();
    }
}
