using System.Net;
using System.Net.Http.Json;
using Bulwark.Shop.Checkout;
using Bulwark.Shop.Orders;
using Bulwark.Shop.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Shop.Tests;

[Collection(ShopCollection.Name)]
public sealed class CheckoutTests(ShopFixture shop)
{
    [Fact]
    public async Task Checkout_takes_stock_charges_once_and_records_a_paid_order()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 10);
        using var client = await shop.SignedInClientAsync();
        await client.AddToCartAsync(productId, 3);

        var response = await client.CheckoutAsync("order-1");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var receipt = await response.ReceiptAsync();
        Assert.Equal(OrderStatus.Paid, receipt.Status);
        Assert.Equal(7, await shop.StockAsync(productId));
        Assert.Equal(1, await shop.ChargesForOrderAsync(receipt.OrderId));

        var price = await shop.ScalarAsync<long>("SELECT price_cents FROM products WHERE id = $1", productId);
        Assert.Equal(price * 3, receipt.TotalCents);
        var order = await client.GetFromJsonAsync<Order>($"/api/orders/{receipt.OrderId}");
        Assert.Equal(OrderStatus.Paid, order!.Status);
        Assert.Equal(productId, Assert.Single(order.Lines).ProductId);
        Assert.Empty((await client.GetFromJsonAsync<Bulwark.Shop.Cart.CartView>("/api/cart"))!.Items);
    }

    [Fact]
    public async Task Same_key_again_returns_the_same_order_with_200()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 10);
        using var client = await shop.SignedInClientAsync();
        await client.AddToCartAsync(productId, 1);

        var first = await (await client.CheckoutAsync("again")).ReceiptAsync();
        var second = await client.CheckoutAsync("again");
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(first.OrderId, (await second.ReceiptAsync()).OrderId);
        Assert.Equal(9, await shop.StockAsync(productId));
    }

    [Fact]
    public async Task One_key_sent_20_times_at_once_makes_one_order_and_one_charge()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 100);
        using var client = await shop.SignedInClientAsync();
        await client.AddToCartAsync(productId, 2);

        using var start = new SemaphoreSlim(0);
        var attempts = Enumerable.Range(0, 20).Select(async _ =>
        {
            await start.WaitAsync();
            return await client.CheckoutAsync("burst-key");
        }).ToList();
        start.Release(20);
        var responses = await Task.WhenAll(attempts);

        Assert.All(responses, response => Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString()));
        var orderIds = await Task.WhenAll(responses.Select(response => response.ReceiptAsync()));
        var orderId = Assert.Single(orderIds.Select(receipt => receipt.OrderId).Distinct());
        Assert.Equal(1, await shop.ScalarAsync<long>("SELECT count(*) FROM orders WHERE idempotency_key = 'burst-key'"));
        Assert.Equal(1, await shop.ChargesForOrderAsync(orderId));
        Assert.Equal(98, await shop.StockAsync(productId));
    }

    [Fact]
    public async Task Declined_payment_is_402_and_gives_the_stock_back()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 5);
        using var client = await shop.SignedInClientAsync();
        await client.AddToCartAsync(productId, 2);

        var response = await client.CheckoutAsync("declined", "tok_declined");
        var problem = await response.AssertProblemAsync(HttpStatusCode.PaymentRequired, "declined");
        Assert.Equal(5, await shop.StockAsync(productId));
        var orderId = problem.GetProperty("orderId").GetInt64();
        Assert.Equal(OrderStatus.PaymentFailed, await shop.ScalarAsync<string>("SELECT status FROM orders WHERE id = $1", orderId));
        Assert.Single((await client.GetFromJsonAsync<Bulwark.Shop.Cart.CartView>("/api/cart"))!.Items);
    }

    [Fact]
    public async Task Gateway_error_is_502_and_gives_the_stock_back()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 5);
        using var client = await shop.SignedInClientAsync();
        await client.AddToCartAsync(productId, 5);

        var response = await client.CheckoutAsync("gateway-error", "tok_error");
        await response.AssertProblemAsync(HttpStatusCode.BadGateway, "not charged");
        Assert.Equal(5, await shop.StockAsync(productId));
    }

    [Fact]
    public async Task Timed_out_payment_stays_pending_and_the_reconciler_settles_it_paid()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 5);
        using var client = await shop.SignedInClientAsync();
        await client.AddToCartAsync(productId, 1);

        // tok_slow answers after the shop has stopped waiting; the gateway still completes the charge. On a machine
        // busy enough that the reservation takes the whole deadline, the shop fails the order unsent (503 "Out of time",
        // stock back, "retry with a new Idempotency-Key"): do as it says (CheckoutOutOfTimeTests covers that answer).
        var response = await client.CheckoutAsToldAsync("slow", "tok_slow");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var receipt = await response.ReceiptAsync();
        Assert.Equal(OrderStatus.PendingPayment, receipt.Status);
        Assert.Equal(4, await shop.StockAsync(productId));

        var status = await ReconcileUntilSettledAsync(receipt.OrderId);
        Assert.Equal(OrderStatus.Paid, status);
        Assert.Equal(4, await shop.StockAsync(productId));
    }

    [Fact]
    public async Task Payment_that_never_reached_the_gateway_is_failed_by_the_reconciler_and_stock_returns()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 5);
        using var client = await shop.SignedInClientAsync();
        await client.AddToCartAsync(productId, 2);
        using var gateway = shop.Gateway();
        (await gateway.PostAsJsonAsync("/v1/faults", new { latencyMs = 0, errorRate = 0.0, timeoutRate = 1.0 })).EnsureSuccessStatusCode();
        HttpResponseMessage response;
        try
        {
            response = await client.CheckoutAsync("hangs", "tok_visa");
        }
        finally
        {
            (await gateway.DeleteAsync("/v1/faults")).EnsureSuccessStatusCode();
        }

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var receipt = await response.ReceiptAsync();
        Assert.Equal(3, await shop.StockAsync(productId));
        Assert.Equal(OrderStatus.PaymentFailed, await ReconcileUntilSettledAsync(receipt.OrderId));
        Assert.Equal(5, await shop.StockAsync(productId));
    }

    [Fact]
    public async Task Out_of_stock_is_409_naming_the_product_and_changes_nothing()
    {
        var plenty = shop.ReserveProduct();
        var scarce = shop.ReserveProduct();
        await shop.SetStockAsync(plenty, 10);
        await shop.SetStockAsync(scarce, 1);
        using var client = await shop.SignedInClientAsync();
        await client.AddToCartAsync(plenty, 1);
        await client.AddToCartAsync(scarce, 2);
        var before = await shop.DatabaseFingerprintAsync();

        var response = await client.CheckoutAsync("too-many");
        var problem = await response.AssertProblemAsync(HttpStatusCode.Conflict, scarce.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(scarce, problem.GetProperty("productId").GetInt64());
        Assert.Equal(before, await shop.DatabaseFingerprintAsync());
    }

    [Fact]
    public async Task Empty_cart_missing_or_overlong_key_and_bad_bodies_are_400_and_change_nothing()
    {
        using var empty = await shop.SignedInClientAsync();
        var before = await shop.DatabaseFingerprintAsync();
        await (await empty.CheckoutAsync("empty")).AssertProblemAsync(HttpStatusCode.BadRequest, "empty");

        using var client = await shop.SignedInClientAsync();
        await client.AddToCartAsync(shop.ReserveProduct(), 1);
        before = await shop.DatabaseFingerprintAsync();
        await (await client.CheckoutAsync(null)).AssertProblemAsync(HttpStatusCode.BadRequest, "Idempotency-Key");
        await (await client.CheckoutAsync("")).AssertProblemAsync(HttpStatusCode.BadRequest, "Idempotency-Key");
        await (await client.CheckoutAsync(new string('k', 201))).AssertProblemAsync(HttpStatusCode.BadRequest, "Idempotency-Key");
        await (await client.CheckoutAsync("no-token", "")).AssertProblemAsync(HttpStatusCode.BadRequest, "paymentToken");
        var wrongType = new HttpRequestMessage(HttpMethod.Post, "/api/checkout") { Content = new StringContent("{\"paymentToken\": 5}", System.Text.Encoding.UTF8, "application/json") };
        wrongType.Headers.Add("Idempotency-Key", "wrong-type");
        await (await client.SendAsync(wrongType)).AssertProblemAsync(HttpStatusCode.BadRequest, "paymentToken");
        Assert.Equal(before, await shop.DatabaseFingerprintAsync());
    }

    [Fact]
    public async Task Checkout_requires_a_signed_in_user()
    {
        using var anonymous = shop.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.CheckoutAsync("anon")).StatusCode);
    }

    private async Task<string> ReconcileUntilSettledAsync(long orderId)
    {
        var reconciler = shop.App.Services.GetRequiredService<PaymentReconciler>();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            await reconciler.ReconcileOnceAsync(CancellationToken.None);
            var status = await shop.ScalarAsync<string>("SELECT status FROM orders WHERE id = $1", orderId);
            if (status != OrderStatus.PendingPayment)
            {
                return status;
            }

            await Task.Delay(100);
        }

        return OrderStatus.PendingPayment;
    }
}
