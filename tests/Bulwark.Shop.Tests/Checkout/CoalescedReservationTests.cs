using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.Checkout;

/// <summary>Coalesced reservations through real HTTP, the real gate, PostgreSQL and the payment sandbox.</summary>
[Collection(ShopCollection.Name)]
public sealed class CoalescedReservationTests(ShopFixture shop)
{
    [Fact]
    public async Task Coalesced_reservation_under_200_concurrent_buyers_of_one_product_with_mixed_declines_keeps_the_stock_invariant()
    {
        const int initialStock = 60, buyerCount = 200;
        var hot = shop.ReserveProduct();
        await shop.SetStockAsync(hot, initialStock);
        var buyers = await shop.BuyersWithOneInCartAsync(hot, buyerCount);
        // Every fourth card is declined: those units must come back, once, for the others.
        string TokenOf(int buyer) => buyer % 4 == 0 ? "tok_declined" : "tok_visa";
        var payers = Enumerable.Range(0, buyerCount).Count(i => TokenOf(i) == "tok_visa");

        using var start = new SemaphoreSlim(0);
        var rush = buyers.Select(async (client, i) =>
        {
            await start.WaitAsync();
            return await AnswerAsync(await client.CheckoutAsync($"coalesced-{i}", TokenOf(i)));
        }).ToList();
        start.Release(buyers.Length);
        var answers = await Task.WhenAll(rush);

        // 503: a buyer the shared test machine kept past its deadline (the usual refusal); nothing else, never a 500.
        var outcome = string.Join(", ", answers.GroupBy(answer => answer.Status).Select(group => $"{(int)group.Key}×{group.Count()}"));
        Assert.True(answers.All(answer => answer.Status is HttpStatusCode.Created or HttpStatusCode.Accepted or HttpStatusCode.PaymentRequired
            or HttpStatusCode.Conflict or HttpStatusCode.ServiceUnavailable), outcome);
        Assert.All(answers.Where((answer, i) => answer.Status == HttpStatusCode.PaymentRequired), answer => Assert.NotNull(answer.OrderId));
        Assert.True(answers.Count(answer => answer.Status is HttpStatusCode.Created or HttpStatusCode.Accepted) <= initialStock, outcome);
        await shop.ReconcileUntilNoneOpenAsync();
        Assert.Equal(initialStock, await shop.StockAsync(hot) + await shop.UnitsInLiveOrdersAsync(hot));

        // The units declined cards gave back go to paying buyers who were told "out of stock" or refused, each trying
        // again with a new key (neither answer charged anything) while any unit is left.
        var final = answers.ToArray();
        for (var round = 0; round < 5; round++)
        {
            foreach (var i in Enumerable.Range(0, buyerCount).Where(i => TokenOf(i) == "tok_visa"
                && final[i].Status is HttpStatusCode.Conflict or HttpStatusCode.ServiceUnavailable))
            {
                if (await shop.StockAsync(hot) == 0)
                {
                    break;
                }

                final[i] = await AnswerAsync(await buyers[i].CheckoutAsync($"coalesced-{i}-again-{round}"));
            }

            await shop.ReconcileUntilNoneOpenAsync();
        }

        // Exactly min(stock, buyers who paid) sold; stock + sold = initial; every declined order holds nothing.
        var sold = await shop.ScalarAsync<long>("""
            SELECT coalesce(sum(ol.quantity), 0)::bigint FROM order_lines ol JOIN orders o ON o.id = ol.order_id
            WHERE ol.product_id = $1 AND o.status = 'paid'
            """, hot);
        Assert.Equal(Math.Min(initialStock, payers), sold);
        Assert.Equal(initialStock, await shop.StockAsync(hot) + sold);
        Assert.Equal(sold, await shop.UnitsInLiveOrdersAsync(hot));
        var declined = answers.Where(answer => answer.Status == HttpStatusCode.PaymentRequired).Select(answer => answer.OrderId!.Value).ToArray();
        Assert.Equal(declined.Length, await shop.ScalarAsync<long>("SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'payment_failed'", declined));

        // The rush was coalesced: order lines written by one transaction share its xmin (lines are never updated).
        var (lines, transactions) = (await shop.ScalarAsync<long>("SELECT count(*) FROM order_lines WHERE product_id = $1", hot),
            await shop.ScalarAsync<long>("SELECT count(DISTINCT xmin::text) FROM order_lines WHERE product_id = $1", hot));
        Assert.True(transactions < lines, $"{lines} order lines in {transactions} transactions");

        // Every order stays individually idempotent: its key again answers that order, a paid one charged once.
        for (var i = 0; i < buyerCount; i++)
        {
            if (answers[i].OrderId is not { } orderId)
            {
                continue;
            }

            var again = await AnswerAsync(await buyers[i].CheckoutAsync($"coalesced-{i}", TokenOf(i)));
            Assert.Equal((HttpStatusCode.OK, orderId), (again.Status, again.OrderId));
            if (await shop.ScalarAsync<string>("SELECT status FROM orders WHERE id = $1", orderId) == "paid")
            {
                Assert.Equal(1, await shop.ChargesForOrderAsync(orderId));
            }
        }

        foreach (var client in buyers)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task Carts_of_a_hot_and_a_cold_product_bought_in_one_rush_take_all_their_lines_or_none()
    {
        var hot = shop.ReserveProduct();
        var cold = shop.ReserveProduct();
        await shop.SetStockAsync(hot, 30);
        await shop.SetStockAsync(cold, 5);
        var buyers = await shop.BuyersWithOneInCartAsync(hot, 40);
        foreach (var client in buyers.Where((_, i) => i % 2 == 0))
        {
            await client.AddToCartAsync(cold, 1);
        }

        using var start = new SemaphoreSlim(0);
        var rush = buyers.Select(async (client, i) =>
        {
            await start.WaitAsync();
            return await AnswerAsync(await client.CheckoutAsync($"mixed-cart-{i}"));
        }).ToList();
        start.Release(buyers.Length);
        var answers = await Task.WhenAll(rush);
        await shop.ReconcileUntilNoneOpenAsync();

        var outcome = string.Join(", ", answers.GroupBy(answer => answer.Status).Select(group => $"{(int)group.Key}×{group.Count()}"));
        Assert.True(answers.All(answer => answer.Status is HttpStatusCode.Created or HttpStatusCode.Accepted or HttpStatusCode.Conflict
            or HttpStatusCode.ServiceUnavailable), outcome);
        // Two-line carts could have at most the cold product's five; none got the hot unit without the cold one.
        Assert.Equal(30, await shop.StockAsync(hot) + await shop.UnitsInLiveOrdersAsync(hot));
        Assert.Equal(5, await shop.StockAsync(cold) + await shop.UnitsInLiveOrdersAsync(cold));
        for (var i = 0; i < buyers.Length; i++)
        {
            if (answers[i].OrderId is { } orderId)
            {
                Assert.Equal(i % 2 == 0 ? 2 : 1, await shop.ScalarAsync<long>("SELECT count(*) FROM order_lines WHERE order_id = $1", orderId));
            }
        }

        Assert.True(answers.Where((_, i) => i % 2 == 0).Count(answer => answer.Status == HttpStatusCode.Created) <= 5, outcome);
        foreach (var client in buyers)
        {
            client.Dispose();
        }
    }

    private sealed record Answer(HttpStatusCode Status, long? OrderId);

    private static async Task<Answer> AnswerAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            return new Answer(response.StatusCode, body.ValueKind == JsonValueKind.Object && body.TryGetProperty("orderId", out var id) ? id.GetInt64() : null);
        }
    }
}
