using Bulwark.Shop.Tests.CatalogAdmin;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.WaitingRoom;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Shop.Tests.WaitingRoom;

/// <summary>
/// Behind a load balancer each instance completes only its share of the checkouts, so the line moves at the sum of the
/// rates the instances report on their ticks (<c>waiting_room_outflow</c>), counting only reports fresh enough.
/// The other instances' rows are written by hand, dated ahead so that they stay fresh under a one-millisecond window
/// that leaves out the shop's own ticker (it reports on its ticks too).
/// </summary>
[Collection(CatalogAdminCollection.Name)]
public sealed class ClusterOutflowTests(CatalogAdminFixture catalog)
{
    private ShopFixture Shop => catalog.Shop;

    [Fact]
    public async Task A_tick_sums_the_fresh_reports_of_every_instance_with_its_own_and_leaves_out_stale_and_stopped_ones()
    {
        var store = Shop.App.Services.GetRequiredService<WaitingRoomStore>();
        Guid first = Guid.NewGuid(), second = Guid.NewGuid(), self = Guid.NewGuid();
        await Shop.ScalarAsync<int>("""
            WITH written AS (INSERT INTO waiting_room_outflow (instance, rate, reported_at)
                             VALUES ($1, 10, now() + interval '1 hour'), ($2, 20, now() + interval '1 hour') RETURNING 1)
            SELECT count(*)::int FROM written
            """, first, second);
        try
        {
            var freshFor = TimeSpan.FromMilliseconds(1);
            var seen = new List<double>();
            var reading = await TickAsync(new OutflowReport(self, 5, freshFor), seen);
            Assert.Equal(35, reading.ClusterOutflow);
            // The lock holder (this tick, unless the shop's own ticker held the lock) moves each room at that sum.
            Assert.All(seen, rate => Assert.Equal(35, rate));
            Assert.Equal(5, await Shop.ScalarAsync<double>("SELECT rate FROM waiting_room_outflow WHERE instance = $1", self));

            // An instance that stopped reporting is no longer counted; this one's new rate replaces its old.
            await Shop.ScalarAsync<int>("UPDATE waiting_room_outflow SET reported_at = now() - interval '1 hour' WHERE instance = $1 RETURNING 1", second);
            Assert.Equal(17, (await TickAsync(new OutflowReport(self, 7, freshFor), seen)).ClusterOutflow);

            // A stopping instance takes its rate out at once (the ticker does so on StopAsync).
            await store.ForgetOutflowAsync(first, CancellationToken.None);
            Assert.Equal(7, (await TickAsync(new OutflowReport(self, 7, freshFor), seen)).ClusterOutflow);
        }
        finally
        {
            await Shop.ScalarAsync<long>("WITH gone AS (DELETE FROM waiting_room_outflow WHERE instance IN ($1, $2, $3) RETURNING 1) SELECT count(*) FROM gone",
                first, second, self);
        }

        Task<TickReading> TickAsync(OutflowReport report, List<double> seen) =>
            store.TickAsync((_, rate) =>
            {
                seen.Add(rate);
                return null;
            }, report, since: null, TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(10), CancellationToken.None);
    }
}
