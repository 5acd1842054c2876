using Bulwark.Guard.DependencyInjection;
using Bulwark.Shop.Catalog;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Tests.Catalog;

/// <summary>
/// The catalog cache's single flight: callers of one key share one read while it runs, and once it has ended — failed
/// or not — the next caller reads afresh. A read the gate refused (503, Retry-After 21 s) was once kept in flight for
/// good when a second caller started it before the first had stored its own reference to it: that key then answered
/// the same refusal to every request, on an idle shop, until the catalog changed (lab bench, 2026-12-03: about 3 % of
/// catalog pages refused at any rate after an overload step).
/// </summary>
public sealed class CatalogCacheSingleFlightTests
{
    [Fact]
    public async Task A_read_that_failed_is_never_served_again_however_many_callers_raced_for_it()
    {
        using var cache = NewCache();
        for (var round = 0; round < 20_000; round++)
        {
            var key = "page-" + round;
            using var go = new ManualResetEventSlim();
            var racers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                go.Wait();
                try
                {
                    // Refused at once, as the gate refuses a read it cannot serve in time: the whole read ends inside the first call.
                    await cache.GetOrLoadAsync<string>(key, _ => Task.FromException<string>(new InvalidOperationException("refused")), CancellationToken.None);
                }
                catch (InvalidOperationException)
                {
                }
            })).ToArray();
            go.Set();
            await Task.WhenAll(racers);

            Assert.Equal("read afresh", await cache.GetOrLoadAsync(key, _ => Task.FromResult("read afresh"), CancellationToken.None));
        }
    }

    [Fact]
    public async Task Callers_of_one_key_share_one_read_while_it_runs()
    {
        using var cache = NewCache();
        var reads = 0;
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<string> Load(CancellationToken _)
        {
            Interlocked.Increment(ref reads);
            return release.Task;
        }

        var callers = Enumerable.Range(0, 8).Select(_ => cache.GetOrLoadAsync("page", Load, CancellationToken.None)).ToArray();
        release.SetResult("page one");

        Assert.All(await Task.WhenAll(callers), value => Assert.Equal("page one", value));
        Assert.Equal(1, reads);
    }

    private static CatalogCache NewCache() =>
        new(new FixedOptionsMonitor<CatalogOptions>(new CatalogOptions { CacheTtl = TimeSpan.FromMinutes(1) }), Options.Create(new GuardOptions()), TimeProvider.System);
}
