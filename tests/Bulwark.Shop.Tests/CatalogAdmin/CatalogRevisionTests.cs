using Bulwark.Guard.DependencyInjection;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Catalog;
using Bulwark.Shop.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Tests.CatalogAdmin;

/// <summary>
/// The revision a catalog change's notification carries: the periodic comparison with the database's revision does not
/// clear the cache again for a change already heard of, and still clears for one nobody announced (a lost notification).
/// A cache and an invalidation of the test's own, beside the running shop's, on its database.
/// </summary>
[Collection(CatalogAdminCollection.Name)]
public sealed class CatalogRevisionTests(CatalogAdminFixture catalog)
{
    private ShopFixture Shop => catalog.Shop;

    [Fact]
    public async Task A_catch_up_after_a_heard_change_keeps_the_cache_and_one_after_an_unheard_change_clears_it()
    {
        var services = Shop.App.Services;
        var options = services.GetRequiredService<IOptionsMonitor<CatalogOptions>>();
        using var cache = new CatalogCache(options, services.GetRequiredService<IOptions<GuardOptions>>(), TimeProvider.System);
        var invalidation = new CatalogInvalidation(cache, services.GetRequiredService<IDatabaseGate>(),
            services.GetRequiredService<IOptions<CatalogOptions>>(), TimeProvider.System);
        var loads = 0;
        Task<string> Read() => cache.GetOrLoadAsync("key", _ => Task.FromResult($"load {Interlocked.Increment(ref loads)}"), CancellationToken.None);

        await invalidation.CatchUpAsync(CancellationToken.None);
        var heard = await Shop.ScalarAsync<long>("SELECT nextval('catalog_revision')");
        await invalidation.OnNotificationAsync($"{heard} product 42 changed", CancellationToken.None);
        Assert.Equal("load 1", await Read());

        await invalidation.CatchUpAsync(CancellationToken.None);
        Assert.Equal("load 1", await Read());

        // Moved without a notification reaching this instance: the comparison is the safety net.
        await Shop.ScalarAsync<long>("SELECT nextval('catalog_revision')");
        await invalidation.CatchUpAsync(CancellationToken.None);
        Assert.Equal("load 2", await Read());

        // A payload without a revision (an older instance, mid-deploy) still clears.
        await invalidation.OnNotificationAsync("product 42 changed", CancellationToken.None);
        Assert.Equal("load 3", await Read());
    }
}
