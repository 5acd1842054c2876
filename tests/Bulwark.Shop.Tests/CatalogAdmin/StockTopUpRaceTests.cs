using System.Net;
using System.Net.Http.Json;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.CatalogAdmin;

/// <summary>
/// Signs up 200 buyers, so it runs alone with the other password-heavy tests (on a shop of its own), where it
/// neither starves nor is starved by other tests' sign-ups on a small machine.
/// </summary>
[Collection(PasswordHeavyCollection.Name)]
public sealed class StockTopUpRaceTests(CatalogAdminFixture catalog) : IClassFixture<CatalogAdminFixture>
{
    private ShopFixture Shop => catalog.Shop;

    [Fact]
    public async Task Stock_top_ups_racing_200_concurrent_buyers_never_lose_or_invent_a_unit()
    {
        using var admin = await catalog.AdminAsync();
        const int initialStock = 40;
        var hot = (await catalog.CreateProductAsync(admin, "Festival Ticket", stock: initialStock)).GetProperty("id").GetInt64();
        var buyers = await Shop.BuyersWithOneInCartAsync(hot, 200);

        using var start = new SemaphoreSlim(0);
        var checkouts = buyers.Select(async (client, i) =>
        {
            await start.WaitAsync();
            return (await client.CheckoutAsync($"sale-{i}")).StatusCode;
        }).ToList();
        // Twelve top-ups of 5 and four write-offs of 3 land in the middle of the rush; a write-off may find too little
        // stock left (409), which must then change nothing.
        var adjustments = Enumerable.Range(0, 16).Select(async i =>
        {
            await start.WaitAsync();
            await Task.Delay(i * 15);
            var delta = i % 4 == 3 ? -3 : 5;
            var response = await admin.PostAsJsonAsync($"/api/admin/products/{hot}/stock", new { delta, reason = $"race {i}" });
            // A top-up always lands; a write-off may find too little stock left.
            Assert.True(response.StatusCode == HttpStatusCode.OK || (delta < 0 && response.StatusCode == HttpStatusCode.Conflict),
                $"{delta}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return response.StatusCode == HttpStatusCode.OK ? delta : 0;
        }).ToList();
        start.Release(buyers.Length + adjustments.Count);
        var statuses = await Task.WhenAll(checkouts);
        var applied = (await Task.WhenAll(adjustments)).Sum();

        // 200 is a checkout the client retried after a 503 (RetryAfterHandler) whose first attempt had made the
        // order: the same order again, as DESIGN.md says of a repeated key.
        var outcome = string.Join(", ", statuses.GroupBy(status => status).Select(group => $"{(int)group.Key}×{group.Count()}"));
        Assert.True(statuses.All(status => status is HttpStatusCode.Created or HttpStatusCode.OK or HttpStatusCode.Accepted or HttpStatusCode.Conflict), outcome);
        var recorded = await Shop.ScalarAsync<long>("SELECT coalesce(sum(delta), 0)::bigint FROM stock_adjustments WHERE product_id = $1", hot);
        Assert.Equal(applied, recorded);
        var sold = statuses.Count(status => status is HttpStatusCode.Created or HttpStatusCode.OK or HttpStatusCode.Accepted);
        Assert.True(sold <= initialStock + applied, outcome);
        Assert.Equal(initialStock + recorded, await Shop.StockAsync(hot) + await Shop.UnitsInLiveOrdersAsync(hot));

        await Shop.ReconcileUntilNoneOpenAsync();
        Assert.Equal(initialStock + recorded, await Shop.StockAsync(hot) + await Shop.UnitsInLiveOrdersAsync(hot));
        Assert.True(await Shop.StockAsync(hot) >= 0);
        foreach (var client in buyers)
        {
            client.Dispose();
        }
    }
}
