using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Checkout;
using Bulwark.Shop.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Shop.Tests.Checkout;

/// <summary>
/// A buyer answered "busy" (its deadline passed) while its reservation's batch still ran in PostgreSQL. The answer
/// said nothing was done, so the same Idempotency-Key sent again must make the order, not find a half-undone one
/// (it used to answer 200 with a failed order: the flaky <c>Timed_out_payment_stays_pending…</c> on a busy machine).
/// Row locks taken by the test hold the batches in PostgreSQL, so every step happens in a known order.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class AbandonedReservationTests(ShopFixture shop)
{
    [Fact]
    public async Task The_same_key_after_a_busy_answer_given_while_its_batch_ran_reserves_afresh_and_the_first_order_is_gone()
    {
        var (first, second) = (shop.ReserveProduct(), shop.ReserveProduct());
        await shop.SetStockAsync(first, 5);
        await shop.SetStockAsync(second, 5);
        var ahead = await BuyerAsync(first);
        var late = await BuyerAsync(second);
        var patient = await BuyerAsync(second);
        var reservations = shop.App.Services.GetRequiredService<StockReservation>();

        await using var firstLock = await LockAsync(first);
        await using var secondLock = await LockAsync(second);

        // A batch of one waits for the first row; the late and the patient buyer queue behind it and go together next.
        // Every request but the late one has all the time a busy test machine may need (a batch with no deadline
        // would get the gate's default deadline, 2 s).
        var aheadReservation = ReserveAsync(reservations, ahead, "ahead", Patience);
        await WaitForLockWaitersAsync(1);
        var lateReservation = ReserveAsync(reservations, late, "again", TimeSpan.FromSeconds(2));
        var patientReservation = ReserveAsync(reservations, patient, "patient", Patience);
        await firstLock.Transaction.CommitAsync();
        Assert.IsType<Reservation.Reserved>(await aheadReservation);
        await WaitForLockWaitersAsync(1);

        // The late buyer's deadline passes while its batch waits for the second row: answered busy at once.
        var refused = await Assert.ThrowsAsync<AdmissionRejectedException>(() => lateReservation);
        Assert.Equal(RejectionReason.Expired, refused.Reason);

        // It sends the same key again before its batch has even ended, then the row is free.
        var retry = ReserveAsync(reservations, late, "again", Patience);
        await secondLock.Transaction.CommitAsync();

        Assert.IsType<Reservation.Reserved>(await patientReservation);
        var fresh = Assert.IsType<Reservation.Reserved>(await retry);
        Assert.Equal(fresh.OrderId, await shop.ScalarAsync<long>(
            "SELECT id FROM orders WHERE user_id = $1 AND idempotency_key = 'again'", late));
        Assert.Equal(1, await shop.ScalarAsync<long>("SELECT count(*) FROM orders WHERE user_id = $1", late));
        Assert.Equal(3, await shop.StockAsync(second));
        Assert.Equal(2, await shop.UnitsInLiveOrdersAsync(second));

        // Nothing else pays for them: the reconciler fails the three pending orders and every unit comes back.
        await shop.ReconcileUntilNoneOpenAsync();
        Assert.Equal(5, await shop.StockAsync(first));
        Assert.Equal(5, await shop.StockAsync(second));
    }

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static Task<Reservation> ReserveAsync(StockReservation reservations, long userId, string key, TimeSpan deadline)
    {
        using (RequestDeadline.Set(DateTimeOffset.UtcNow + deadline))
        {
            return reservations.ReserveAsync(userId, key, "USD", CancellationToken.None);
        }
    }

    private async Task<long> BuyerAsync(long productId)
    {
        var email = $"undo-{Guid.NewGuid():N}@example.com";
        using var client = await shop.SignedInClientAsync(email);
        await client.AddToCartAsync(productId, 1);
        return await shop.ScalarAsync<long>("SELECT id FROM users WHERE email = $1", email);
    }

    private Task<RowLock> LockAsync(long productId) => RowLocks.LockAsync(shop, "products", productId);

    private Task WaitForLockWaitersAsync(int count) => RowLocks.WaitForWaitersAsync(shop, count);
}
