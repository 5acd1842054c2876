using System.Net;
using System.Net.Http.Json;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.Tests.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Shop.Tests.Orders;

/// <summary>
/// Admin refunds: one gateway refund per order however many times (and however concurrently) it is asked,
/// the stock back exactly once, and an outcome the shop could not learn settled later by the reconciler.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class RefundTests(ShopFixture shop)
{
    [Fact]
    public async Task Twenty_concurrent_refunds_of_one_order_make_one_gateway_refund_and_return_the_stock_once()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 10);
        using var buyer = await shop.SignedInClientAsync();
        var orderId = await buyer.PaidOrderAsync(productId, 3);
        Assert.Equal(7, await shop.StockAsync(productId));
        var admins = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => shop.AdminClientAsync()));
        var confirmedBefore = await ConfirmedRefundsAsync();

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, 20).Select(async i =>
        {
            await start.Task;
            using var response = await admins[i % admins.Length].RefundAsync(orderId);
            return (response.StatusCode, Status: await OrderSteps.OrderStatusOfAsync(response));
        }).ToArray();
        start.SetResult();
        var answers = await Task.WhenAll(calls);

        // Whoever won the claim answered refunded; the others saw it pending or already refunded.
        Assert.All(answers, answer => Assert.True(
            answer is (HttpStatusCode.OK, "refunded") or (HttpStatusCode.Accepted, "refund_pending"), $"{answer}"));
        Assert.Contains(answers, answer => answer.StatusCode == HttpStatusCode.OK);
        await shop.ReconcileUntilNoneOpenAsync();
        Assert.Equal("refunded", await shop.StatusAsync(orderId));
        Assert.Equal((1, await shop.ScalarAsync<long>("SELECT total_cents FROM orders WHERE id = $1", orderId)), await shop.GatewayRefundsAsync(orderId));
        Assert.Equal(10, await shop.StockAsync(productId));
        Assert.Equal(0, await shop.UnitsInLiveOrdersAsync(productId));
        Assert.Equal(confirmedBefore + 1, await ConfirmedRefundsAsync());

        // Asking again later is answered with the refunded order; nothing moves.
        using var again = await admins[0].RefundAsync(orderId);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(1, (await shop.GatewayRefundsAsync(orderId)).Count);
        Assert.Equal(10, await shop.StockAsync(productId));
        var order = await admins[0].GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/admin/orders/{orderId}");
        Assert.Equal("damaged in transit", order.GetProperty("refundReason").GetString());
        Assert.StartsWith("re_", order.GetProperty("refundId").GetString(), StringComparison.Ordinal);

        // One refund, one entry in the audit trail: who asked, for which order, and why.
        var audit = await admins[0].GetFromJsonAsync<System.Text.Json.JsonElement>("/api/admin/audit?action=order.refund&pageSize=100");
        var entry = Assert.Single(audit.GetProperty("items").EnumerateArray(), item => item.GetProperty("target").GetString() == $"order:{orderId}");
        Assert.Equal("damaged in transit", entry.GetProperty("reason").GetString());
    }

    private async Task<double> ConfirmedRefundsAsync()
    {
        using var client = shop.Client();
        return ScrapeText.Sum(await client.GetStringAsync("/metrics"), "bulwark_payments_refunds_total", ("outcome", "confirmed")) ?? 0;
    }

    [Fact]
    public async Task A_refund_the_gateway_fails_stays_pending_holding_its_stock_until_the_reconciler_settles_it_once()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 5);
        using var buyer = await shop.SignedInClientAsync();
        var orderId = await buyer.PaidOrderAsync(productId, 2);
        using var admin = await shop.AdminClientAsync();

        await shop.WithGatewayFaultsAsync(new { errorRate = 1.0 }, async () =>
        {
            using var response = await admin.RefundAsync(orderId);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.Equal("refund_pending", await OrderSteps.OrderStatusOfAsync(response));

            // Still failing: the reconciler asks, resends under the same key, fails, and leaves it pending.
            await shop.App.Services.GetRequiredService<Bulwark.Shop.Checkout.PaymentReconciler>().ReconcileOnceAsync(CancellationToken.None);
            Assert.Equal("refund_pending", await shop.StatusAsync(orderId));
            Assert.Equal(3, await shop.StockAsync(productId));
            Assert.Equal(2, await shop.UnitsInLiveOrdersAsync(productId));
            Assert.Equal(0, (await shop.GatewayRefundsAsync(orderId)).Count);
        });

        await shop.ReconcileUntilNoneOpenAsync();
        Assert.Equal("refunded", await shop.StatusAsync(orderId));
        Assert.Equal(1, (await shop.GatewayRefundsAsync(orderId)).Count);
        Assert.Equal(5, await shop.StockAsync(productId));
        await shop.ReconcileUntilNoneOpenAsync();
        Assert.Equal(5, await shop.StockAsync(productId));
    }

    [Fact]
    public async Task A_refund_that_times_out_is_settled_from_what_the_gateway_did_and_never_twice()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 5);
        using var buyer = await shop.SignedInClientAsync();
        var reachedGateway = await buyer.PaidOrderAsync(productId);
        var neverReached = await buyer.PaidOrderAsync(productId);
        using var admin = await shop.AdminClientAsync();

        await shop.WithGatewayFaultsAsync(new { timeoutRate = 1.0 }, async () =>
        {
            foreach (var orderId in new[] { reachedGateway, neverReached })
            {
                using var response = await admin.RefundAsync(orderId);
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                Assert.Equal("refund_pending", await OrderSteps.OrderStatusOfAsync(response));
            }
        });
        Assert.Equal(3, await shop.StockAsync(productId));

        // The first refund did go through at the gateway after the shop gave up on it (as a real one may).
        using (var gateway = shop.Gateway())
        {
            var chargeId = await shop.ScalarAsync<string>("SELECT payment_id FROM orders WHERE id = $1", reachedGateway);
            var total = await shop.ScalarAsync<long>("SELECT total_cents FROM orders WHERE id = $1", reachedGateway);
            (await gateway.PostAsJsonAsync("/v1/refunds", new { chargeId, amountCents = total, idempotencyKey = $"refund-order-{reachedGateway}" }))
                .EnsureSuccessStatusCode();
        }

        await shop.ReconcileUntilNoneOpenAsync();
        foreach (var orderId in new[] { reachedGateway, neverReached })
        {
            Assert.Equal("refunded", await shop.StatusAsync(orderId));
            Assert.Equal(1, (await shop.GatewayRefundsAsync(orderId)).Count);
        }

        Assert.Equal(5, await shop.StockAsync(productId));
        Assert.Equal(0, await shop.UnitsInLiveOrdersAsync(productId));
    }

    [Fact]
    public async Task Orders_that_cannot_be_refunded_are_refused_with_the_reason()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 5);
        using var buyer = await shop.SignedInClientAsync();
        using var admin = await shop.AdminClientAsync();
        await buyer.AddToCartAsync(productId, 1);
        var failed = await (await buyer.CheckoutAsync(Guid.NewGuid().ToString("N"), "tok_declined")).Content
            .ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var paid = await buyer.PaidOrderAsync(productId);

        await (await admin.RefundAsync(failed.GetProperty("orderId").GetInt64())).AssertProblemAsync(HttpStatusCode.Conflict, "payment failed");
        await (await admin.RefundAsync(99_999_999)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.RefundAsync(paid, " ")).AssertProblemAsync(HttpStatusCode.BadRequest, "reason");
        await (await admin.PostAsJsonAsync($"/api/admin/orders/{paid}/refund", new { })).AssertProblemAsync(HttpStatusCode.BadRequest, "reason");
        Assert.Equal("paid", await shop.StatusAsync(paid));
        Assert.Equal(4, await shop.StockAsync(productId));
    }

    [Fact]
    public async Task A_refund_the_gateway_refuses_is_502_and_the_order_is_paid_again_with_the_gateways_reason()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 5);
        using var buyer = await shop.SignedInClientAsync();
        using var admin = await shop.AdminClientAsync();
        var orderId = await buyer.PaidOrderAsync(productId);
        // A charge the gateway does not know (as after a gateway-side mix-up): it refuses to refund it.
        await shop.ExecuteAsync("UPDATE orders SET payment_id = 'ch_unknown_to_the_gateway' WHERE id = $1", orderId);

        var problem = await (await admin.RefundAsync(orderId)).AssertProblemAsync(HttpStatusCode.BadGateway, "refused", "still paid");

        Assert.Equal("paid", problem.GetProperty("orderStatus").GetString());
        Assert.Equal("paid", await shop.StatusAsync(orderId));
        Assert.Contains("ch_unknown_to_the_gateway", await shop.ScalarAsync<string>("SELECT failure_reason FROM orders WHERE id = $1", orderId),
            StringComparison.Ordinal);
        Assert.Equal(4, await shop.StockAsync(productId));
    }

    [Fact]
    public async Task Mid_payment_an_order_can_be_neither_cancelled_nor_refunded()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 5);
        using var buyer = await shop.SignedInClientAsync();
        using var admin = await shop.AdminClientAsync();
        await buyer.AddToCartAsync(productId, 1);

        // tok_slow outlives the shop's gateway budget: the order stays pending_payment for the reconciler.
        using var slow = await buyer.CheckoutAsync(Guid.NewGuid().ToString("N"), "tok_slow");
        Assert.True(slow.StatusCode == HttpStatusCode.Accepted, $"{(int)slow.StatusCode}: {await slow.Content.ReadAsStringAsync()}");
        var orderId = (await slow.ReceiptAsync()).OrderId;

        await (await buyer.CancelAsync(orderId)).AssertProblemAsync(HttpStatusCode.Conflict, "payment");
        await (await admin.RefundAsync(orderId)).AssertProblemAsync(HttpStatusCode.Conflict, "payment");
        Assert.Equal("pending_payment", await shop.StatusAsync(orderId));

        // Once it is paid, it can be.
        await shop.ReconcileUntilNoneOpenAsync();
        Assert.Equal("paid", await shop.StatusAsync(orderId));
        using var cancelled = await buyer.CancelAsync(orderId);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", await OrderSteps.OrderStatusOfAsync(cancelled));
        Assert.Equal(5, await shop.StockAsync(productId));
    }
}
