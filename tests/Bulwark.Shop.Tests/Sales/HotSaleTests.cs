using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Shop.Checkout;
using Bulwark.Shop.Tests.CatalogAdmin;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.Sales;

[Collection(CatalogAdminCollection.Name)]
public sealed class HotSaleTests(CatalogAdminFixture catalog)
{
    private ShopFixture Shop => catalog.Shop;

    [Fact]
    public async Task Under_200_concurrent_buyers_with_declines_exactly_the_sales_quantity_sells_at_the_sale_price_and_nothing_is_lost()
    {
        const int stock = 100, quantity = 60, salePrice = 700, regularPrice = 2000, buyerCount = 200;
        using var admin = await catalog.AdminAsync();
        var product = await catalog.CreateProductAsync(admin, regularPrice, stock);
        var sale = await admin.CreateSaleAsync((product, salePrice, quantity));
        await Shop.OpenSaleAsync(sale.Id());
        var buyers = await Shop.BuyersWithOneInCartAsync(product, buyerCount);
        // Every fifth buyer's card is declined: those units go back to the sale for the others.
        string TokenOf(int buyer) => buyer % 5 == 0 ? "tok_declined" : "tok_visa";

        using var start = new SemaphoreSlim(0);
        var rush = buyers.Select(async (client, i) =>
        {
            await start.WaitAsync();
            return await AnswerAsync(await client.CheckoutThroughRoomAsync($"hot-{i}", TokenOf(i)));
        }).ToList();
        start.Release(buyers.Length);
        var answers = await Task.WhenAll(rush);

        var outcome = string.Join(", ", answers.GroupBy(answer => (answer.Status, answer.Type)).Select(group => $"{(int)group.Key.Status} {group.Key.Type}×{group.Count()}"));
        // 200: the well-mannered client retried a 503 (out of time) with the same key and got the order its first try made.
        Assert.True(answers.All(answer => answer.Status is HttpStatusCode.Created or HttpStatusCode.Accepted or HttpStatusCode.PaymentRequired or HttpStatusCode.OK
            || answer is { Status: HttpStatusCode.Conflict, Type: CheckoutApi.SaleSoldOutType }), outcome);
        Assert.True(answers.Count(answer => answer.Status is HttpStatusCode.Created or HttpStatusCode.Accepted) <= quantity, outcome);
        await Shop.ReconcileUntilNoneOpenAsync();

        // Units that declined payments gave back go to buyers who were told "sold out", each trying again with a new key.
        var retried = new Dictionary<int, Answer>();
        foreach (var i in Enumerable.Range(0, buyerCount).Where(i => answers[i].Status == HttpStatusCode.Conflict && TokenOf(i) == "tok_visa"))
        {
            if (await Shop.UnitsLeftAsync(sale.Id()) == 0)
            {
                break;
            }

            retried[i] = await AnswerAsync(await buyers[i].CheckoutThroughRoomAsync($"hot-{i}-again"));
        }

        await Shop.ReconcileUntilNoneOpenAsync();
        Assert.Equal(0, await Shop.UnitsLeftAsync(sale.Id()));
        Assert.Equal(quantity, await Shop.ScalarAsync<long>("""
            SELECT coalesce(sum(ol.quantity), 0)::bigint FROM order_lines ol JOIN orders o ON o.id = ol.order_id
            WHERE ol.product_id = $1 AND o.status = 'paid' AND ol.unit_price_cents = $2 AND ol.sale_id = $3
            """, product, (long)salePrice, sale.Id()));
        Assert.Equal(0L, await Shop.ScalarAsync<long>(
            "SELECT count(*) FROM order_lines ol JOIN orders o ON o.id = ol.order_id WHERE ol.product_id = $1 AND ol.unit_price_cents <> $2",
            product, (long)salePrice));
        Assert.Equal(stock - quantity, await Shop.StockAsync(product));
        Assert.Equal(stock, await Shop.StockAsync(product) + await Shop.UnitsInLiveOrdersAsync(product));

        // No order lost: every order a buyer was told about is there, paid or failed as told; one whose outcome was
        // unknown (202) or that a retry found (200) is settled one way or the other.
        foreach (var answer in answers.Concat(retried.Values).Where(answer => answer.OrderId is not null))
        {
            var status = await Shop.ScalarAsync<string>("SELECT status FROM orders WHERE id = $1", answer.OrderId!.Value);
            Assert.Equal(answer.Status switch
            {
                HttpStatusCode.Created => OrderStatus.Paid,
                HttpStatusCode.PaymentRequired => OrderStatus.PaymentFailed,
                _ => status is OrderStatus.Paid or OrderStatus.PaymentFailed ? status : "settled",
            }, status);
        }

        // Every order is idempotent on its key: the same key again answers the same order (a paid one charged once).
        for (var i = 0; i < buyerCount; i++)
        {
            if (answers[i].OrderId is not { } orderId)
            {
                continue;
            }

            var again = await AnswerAsync(await buyers[i].CheckoutThroughRoomAsync($"hot-{i}", TokenOf(i)));
            Assert.Equal((HttpStatusCode.OK, orderId), (again.Status, again.OrderId));
            if (await Shop.ScalarAsync<string>("SELECT status FROM orders WHERE id = $1", orderId) == OrderStatus.Paid)
            {
                Assert.Equal(1, await Shop.ChargesForOrderAsync(orderId));
            }
        }

        Assert.Equal(quantity, await Shop.UnitsInLiveOrdersAsync(product));
        foreach (var client in buyers)
        {
            client.Dispose();
        }
    }

    private sealed record Answer(HttpStatusCode Status, long? OrderId, string? Type);

    private static async Task<Answer> AnswerAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        long? orderId = body.TryGetProperty("orderId", out var id) ? id.GetInt64() : null;
        return new Answer(response.StatusCode, orderId, body.TryGetProperty("type", out var type) ? type.GetString() : null);
    }
}
