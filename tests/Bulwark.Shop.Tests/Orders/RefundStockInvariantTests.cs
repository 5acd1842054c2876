using System.Net;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.Orders;

/// <summary>DESIGN's invariant with refunds: initial stock = stock + units in live orders, with every refunded unit back once.</summary>
[Collection(ShopCollection.Name)]
public sealed class RefundStockInvariantTests(ShopFixture shop)
{
    [Fact]
    public async Task Stock_invariant_holds_while_cancellations_and_refunds_race_each_other_and_new_checkouts()
    {
        const int initialStock = 30;
        var products = Enumerable.Range(0, 3).Select(_ => shop.ReserveProduct()).ToArray();
        foreach (var product in products)
        {
            await shop.SetStockAsync(product, initialStock);
        }

        using var admin = await shop.AdminClientAsync();
        var buyers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => shop.SignedInClientAsync()));
        var orders = new List<(HttpClient Buyer, long OrderId)>();
        foreach (var (buyer, i) in buyers.Select((buyer, i) => (buyer, i)))
        {
            // Overlapping carts, so refunds give stock back to rows that concurrent checkouts are taking.
            await buyer.AddToCartAsync(products[(i + 1) % 3], 1 + i % 2);
            orders.Add((buyer, await buyer.PaidOrderAsync(products[i % 3], 2)));
        }

        // At once: every third order cancelled by its owner AND refunded by the admin (one wins), every third
        // refunded twice by the admin, every third left paid; meanwhile each buyer checks out again.
        var races = orders.SelectMany((order, i) => (i % 3) switch
        {
            0 => new[] { StatusOf(order.Buyer.CancelAsync(order.OrderId)), StatusOf(admin.RefundAsync(order.OrderId)) },
            1 => [StatusOf(admin.RefundAsync(order.OrderId)), StatusOf(admin.RefundAsync(order.OrderId))],
            _ => [],
        }).ToList();
        var checkouts = buyers.Select(async (buyer, i) =>
        {
            await buyer.AddToCartAsync(products[(i + 2) % 3], 3);
            return await StatusOf(buyer.CheckoutAsync(Guid.NewGuid().ToString("N")));
        }).ToList();
        var answers = await Task.WhenAll(races.Concat(checkouts));

        Assert.All(answers, status => Assert.True(status is HttpStatusCode.OK or HttpStatusCode.Accepted or HttpStatusCode.Created, $"{status}"));
        await shop.ReconcileUntilNoneOpenAsync();
        foreach (var product in products)
        {
            Assert.Equal(initialStock, await shop.StockAsync(product) + await shop.UnitsInLiveOrdersAsync(product));
        }

        foreach (var ((_, orderId), i) in orders.Select((order, i) => (order, i)))
        {
            var status = await shop.StatusAsync(orderId);
            Assert.Equal(i % 3 == 2 ? "paid" : i % 3 == 1 ? "refunded" : status is "cancelled" or "refunded" ? status : "cancelled or refunded", status);
            Assert.Equal(i % 3 == 2 ? 0 : 1, (await shop.GatewayRefundsAsync(orderId)).Count);
        }

        foreach (var buyer in buyers)
        {
            buyer.Dispose();
        }
    }

    private static async Task<HttpStatusCode> StatusOf(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        return response.StatusCode;
    }
}
