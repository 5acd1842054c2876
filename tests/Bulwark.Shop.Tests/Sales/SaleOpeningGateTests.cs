using Bulwark.Guard.Deadlines;
using Bulwark.Shop.Tests.CatalogAdmin;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.Tests.WaitingRoom;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Shop.Tests.Sales;

/// <summary>
/// When a checkout needs a sale's turn (<see cref="Bulwark.Shop.WaitingRoom.ISaleQueueSource.OpenSaleForCartAsync"/>): from
/// the moment the sale could be open when the checkout's reservation runs, which is any time before its deadline. The
/// database's clock decides the price; a checkout let through on the shop's clock just before the opening bought at
/// the sale price without a turn. Real sales over the admin API, a snapshot of the test's own on the test's clock.
/// </summary>
[Collection(CatalogAdminCollection.Name)]
public sealed class SaleOpeningGateTests(CatalogAdminFixture catalog)
{
    [Fact]
    public async Task A_checkout_whose_deadline_reaches_into_the_sale_needs_its_turn_and_one_that_ends_before_does_not()
    {
        using var admin = await catalog.AdminAsync();
        var product = await catalog.CreateProductAsync(admin, priceCents: 4000, stock: 5);
        var sale = await admin.CreateSaleAsync((product, 1500, 2));
        var startsAt = sale.GetProperty("startsAt").GetDateTimeOffset();
        using var buyer = await catalog.Shop.SignedInClientAsync();
        await buyer.AddToCartAsync(product, 1);
        var userId = await catalog.Shop.ScalarAsync<long>("SELECT user_id FROM cart_items WHERE product_id = $1", product);

        var clock = new FakeTimeProvider(startsAt - TimeSpan.FromSeconds(5));
        var sales = await catalog.Shop.SalesSnapshotAsync(clock, product);
        try
        {
            // Five seconds before the opening: a checkout with two seconds to live cannot meet the sale; one without a
            // deadline is judged at this instant.
            Assert.Null(await OpenSaleWithDeadlineAsync(TimeSpan.FromSeconds(2)));
            Assert.Null(await sales.OpenSaleForCartAsync(userId, CancellationToken.None));

            // One second before: its reservation may run after the opening, so it takes its turn like everyone else.
            clock.Advance(TimeSpan.FromSeconds(4));
            Assert.Equal(sale.Id(), await OpenSaleWithDeadlineAsync(TimeSpan.FromSeconds(2)));
            Assert.Equal(sale.Id(), await OpenSaleWithDeadlineAsync(TimeSpan.FromSeconds(1)));
            Assert.Null(await OpenSaleWithDeadlineAsync(TimeSpan.FromMilliseconds(500)));

            clock.Advance(TimeSpan.FromSeconds(2));
            Assert.Equal(sale.Id(), await sales.OpenSaleForCartAsync(userId, CancellationToken.None));
        }
        finally
        {
            await sales.StopAsync(CancellationToken.None);
            sales.Dispose();
        }

        async Task<long?> OpenSaleWithDeadlineAsync(TimeSpan toLive)
        {
            using (RequestDeadline.Set(clock.GetUtcNow() + toLive))
            {
                return await sales.OpenSaleForCartAsync(userId, CancellationToken.None);
            }
        }
    }
}
