using Bulwark.Guard.Deadlines;
using Bulwark.Shop.Checkout;
using Bulwark.Shop.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Shop.Tests.Checkout;

/// <summary>
/// Charged orders settling at the same moment are marked paid together (one statement), each exactly once. A row lock
/// held by the test parks the first settle in PostgreSQL so that the others gather behind it and go as one batch.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class PaidBatchTests(ShopFixture shop)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Orders_settling_together_are_each_marked_paid_once_and_their_carts_emptied()
    {
        var product = shop.ReserveProduct();
        await shop.SetStockAsync(product, 20);
        var reservations = shop.App.Services.GetRequiredService<StockReservation>();
        var buyers = new List<long>();
        var orders = new List<long>();
        for (var i = 0; i < 8; i++)
        {
            var buyer = await BuyerAsync(product);
            buyers.Add(buyer);
            orders.Add(Assert.IsType<Reservation.Reserved>(await WithPatience(() => reservations.ReserveAsync(buyer, "paid-batch", "USD", CancellationToken.None))).OrderId);
        }

        bool[] settled;
        await using (var held = await RowLocks.LockAsync(shop, "orders", orders[0]))
        {
            var first = WithPatience(() => reservations.MarkPaidAsync(orders[0], "ch_0", CancellationToken.None));
            await RowLocks.WaitForWaitersAsync(shop, 1);
            // The rest arrive while the first batch waits; the second order is settled twice at once (a request and the
            // reconciler, say): the second attempt waits for the first and then finds it paid.
            var rest = orders.Skip(1).Select((order, i) => WithPatience(() => reservations.MarkPaidAsync(order, $"ch_{i + 1}", CancellationToken.None))).ToList();
            var twice = WithPatience(() => reservations.MarkPaidAsync(orders[1], "ch_again", CancellationToken.None));
            await held.Transaction.CommitAsync();
            settled = [await first, .. await Task.WhenAll(rest), await twice];
        }

        Assert.Equal([true, true, true, true, true, true, true, true, false], settled);
        Assert.Equal(8, await shop.ScalarAsync<long>("SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'paid'", orders.ToArray()));
        Assert.Equal("ch_1", await shop.ScalarAsync<string>("SELECT payment_id FROM orders WHERE id = $1", orders[1]));
        Assert.Equal(0, await shop.ScalarAsync<long>("SELECT count(*) FROM cart_items WHERE user_id = ANY($1)", buyers.ToArray()));
        Assert.Equal(12, await shop.StockAsync(product));
    }

    private static Task<T> WithPatience<T>(Func<Task<T>> call)
    {
        using (RequestDeadline.Set(DateTimeOffset.UtcNow + Patience))
        {
            return call();
        }
    }

    private async Task<long> BuyerAsync(long productId)
    {
        var email = $"paid-{Guid.NewGuid():N}@example.com";
        using var client = await shop.SignedInClientAsync(email);
        await client.AddToCartAsync(productId, 1);
        return await shop.ScalarAsync<long>("SELECT id FROM users WHERE email = $1", email);
    }
}
