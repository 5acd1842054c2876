using System.Net;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests;

[Collection(ShopCollection.Name)]
public sealed class StockInvariantTests(ShopFixture shop)
{
    [Fact]
    public async Task Checkout_never_oversells_under_200_concurrent_buyers()
    {
        var hot = shop.ReserveProduct();
        const int initialStock = 50;
        await shop.SetStockAsync(hot, initialStock);
        var buyers = await shop.BuyersWithOneInCartAsync(hot, 200);

        using var start = new SemaphoreSlim(0);
        var checkouts = buyers.Select(async (client, i) =>
        {
            await start.WaitAsync();
            return (await client.CheckoutAsToldAsync($"buyer-{i}")).StatusCode;
        }).ToList();
        start.Release(buyers.Length);
        var statuses = await Task.WhenAll(checkouts);

        // On a busy machine some payments outlive the request's deadline (202, outcome unknown): the
        // reconciler settles those, exactly as in production. A reservation that took the whole deadline is failed
        // unsent (503 "Out of time") and tried again with a new key, as the shop says. Nothing else is acceptable.
        var outcome = string.Join(", ", statuses.GroupBy(status => status).Select(group => $"{(int)group.Key}×{group.Count()}"));
        Assert.True(statuses.All(status => status is HttpStatusCode.Created or HttpStatusCode.Accepted or HttpStatusCode.Conflict), outcome);
        Assert.True(initialStock == statuses.Count(status => status is HttpStatusCode.Created or HttpStatusCode.Accepted), outcome);
        Assert.Equal(buyers.Length - initialStock, statuses.Count(status => status == HttpStatusCode.Conflict));
        Assert.Equal(initialStock, await shop.StockAsync(hot) + await shop.UnitsInLiveOrdersAsync(hot));
        await shop.ReconcileUntilNoneOpenAsync();
        Assert.Equal(0, await shop.StockAsync(hot));
        Assert.Equal(initialStock, await shop.ScalarAsync<long>(
            "SELECT count(*) FROM orders o JOIN order_lines ol ON ol.order_id = o.id WHERE ol.product_id = $1 AND o.status = 'paid'", hot));
        Assert.Equal(initialStock, await shop.StockAsync(hot) + await shop.UnitsInLiveOrdersAsync(hot));
        foreach (var client in buyers)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task Stock_invariant_holds_for_every_product_under_mixed_payment_outcomes()
    {
        var products = Enumerable.Range(0, 3).Select(_ => shop.ReserveProduct()).ToArray();
        foreach (var product in products)
        {
            await shop.SetStockAsync(product, 20);
        }

        string[] tokens = ["tok_visa", "tok_declined", "tok_error"];
        var buyers = await Task.WhenAll(Enumerable.Range(0, 30).Select(async i =>
        {
            var client = await shop.SignedInClientAsync();
            // Overlapping carts in different insertion orders: checkout must lock rows in id order to avoid deadlocks.
            await client.AddToCartAsync(products[(i + 2) % 3], 1 + i % 3);
            await client.AddToCartAsync(products[i % 3], 1);
            return client;
        }));
        var statuses = await Task.WhenAll(buyers.Select(async (client, i) =>
            (await client.CheckoutAsToldAsync($"mixed-{i}", tokens[i % tokens.Length])).StatusCode));

        Assert.All(statuses, status => Assert.True(status is HttpStatusCode.Created or HttpStatusCode.Conflict or HttpStatusCode.PaymentRequired
            or HttpStatusCode.BadGateway, status.ToString()));
        foreach (var product in products)
        {
            Assert.Equal(20, await shop.StockAsync(product) + await shop.UnitsInLiveOrdersAsync(product));
        }

        foreach (var client in buyers)
        {
            client.Dispose();
        }
    }
}
