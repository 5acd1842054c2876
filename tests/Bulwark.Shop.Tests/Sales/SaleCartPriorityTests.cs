using System.Collections.Concurrent;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Cart;
using Bulwark.Shop.Sales;
using Bulwark.Shop.Tests.CatalogAdmin;
using Bulwark.Shop.Tests.WaitingRoom;
using Npgsql;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Shop.Tests.Sales;

/// <summary>
/// Which priority a cart change asks the gate for (<see cref="ISaleQueueSource.InSale"/>): critical for a product in a
/// sale not yet over, normal otherwise. The sales are real (made over the admin API, read from PostgreSQL by a
/// <see cref="SaleQueueSource"/> of the test's own); the clock is the test's, so the sale ends when the test says.
/// </summary>
[Collection(CatalogAdminCollection.Name)]
public sealed class SaleCartPriorityTests(CatalogAdminFixture catalog)
{
    [Fact]
    public async Task A_cart_change_of_a_product_in_a_sale_not_yet_over_is_critical_and_normal_otherwise_and_after_it_ends()
    {
        using var admin = await catalog.AdminAsync();
        var onSale = await catalog.CreateProductAsync(admin, priceCents: 4000, stock: 5);
        var regular = await catalog.CreateProductAsync(admin, priceCents: 4000, stock: 5);
        var sale = await admin.CreateSaleAsync((onSale, 1500, 2));
        var startsAt = sale.GetProperty("startsAt").GetDateTimeOffset();
        var endsAt = sale.GetProperty("endsAt").GetDateTimeOffset();

        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var sales = await catalog.Shop.SalesSnapshotAsync(clock, onSale);
        var recorder = new PriorityRecorder();
        var carts = new CartStore(recorder, sales);
        try
        {
            // Upcoming: putting its item in the cart is the first step of queueing for it.
            Assert.Equal(Priority.Critical, await PriorityOfAsync(() => carts.SetAsync(1, onSale, 1, CancellationToken.None)));
            Assert.Equal(Priority.Normal, await PriorityOfAsync(() => carts.SetAsync(1, regular, 1, CancellationToken.None)));

            clock.Advance(startsAt - clock.GetUtcNow() + TimeSpan.FromMinutes(1));
            Assert.Equal(Priority.Critical, await PriorityOfAsync(() => carts.SetAsync(1, onSale, 2, CancellationToken.None)));
            Assert.Equal(Priority.Critical, await PriorityOfAsync(() => carts.RemoveAsync(1, onSale, CancellationToken.None)));
            Assert.Equal(Priority.Normal, await PriorityOfAsync(() => carts.RemoveAsync(1, regular, CancellationToken.None)));

            // Over: the very instant it ends, from the snapshot already held, before any refresh drops the sale.
            clock.Advance(endsAt - clock.GetUtcNow());
            Assert.False(sales.InSale(onSale));
            Assert.Equal(Priority.Normal, await PriorityOfAsync(() => carts.SetAsync(1, onSale, 1, CancellationToken.None)));
            Assert.Equal(Priority.Normal, await PriorityOfAsync(() => carts.RemoveAsync(1, onSale, CancellationToken.None)));
        }
        finally
        {
            await sales.StopAsync(CancellationToken.None);
            sales.Dispose();
        }

        async Task<Priority> PriorityOfAsync(Func<Task> change)
        {
            recorder.Asked.Clear();
            await change();
            return Assert.Single(recorder.Asked);
        }
    }

    /// <summary>A gate that only notes the priority each use asks for: the cart's SQL is not what is under test.</summary>
    private sealed class PriorityRecorder : IDatabaseGate
    {
        public ConcurrentQueue<Priority> Asked { get; } = new();

        public Task<T> RunAsync<T>(Priority priority, CancellationToken cancellationToken, Func<NpgsqlConnection, CancellationToken, Task<T>> work)
        {
            Asked.Enqueue(priority);
            return Task.FromResult(default(T)!);
        }

        public ValueTask<DatabaseLease> AcquireAsync(Priority priority, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("A cart change runs its work through RunAsync.");
    }
}
