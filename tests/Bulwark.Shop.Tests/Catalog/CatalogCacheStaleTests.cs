using Bulwark.Guard.DependencyInjection;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Catalog;
using Bulwark.Shop.Tests.WaitingRoom;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Shop.Tests.Catalog;

/// <summary>
/// An expired catalog entry answers the requests whose refresh the gate refused (overload), for a while, instead of a
/// 503; never past its keeping time, never after the catalog changed, never for a failure that is not a refusal.
/// </summary>
public sealed class CatalogCacheStaleTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StaleFor = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private int _reads;

    [Fact]
    public async Task A_refused_refresh_answers_every_caller_with_the_expired_entry_and_waits_for_the_retry_after_before_reading_again()
    {
        using var cache = NewCache();
        Assert.Equal("v1", await cache.GetOrLoadAsync("page", Read("v1"), CancellationToken.None));
        _clock.Advance(Ttl + TimeSpan.FromSeconds(1));

        var refused = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = Enumerable.Range(0, 8).Select(_ => cache.GetOrLoadAsync("page", Pending(refused), CancellationToken.None)).ToArray();
        refused.SetException(Refusal(TimeSpan.FromMilliseconds(500)));

        Assert.All(await Task.WhenAll(callers), value => Assert.Equal("v1", value));
        Assert.Equal(2, _reads);

        // Within the gate's Retry-After the expired entry answers without a read.
        _clock.Advance(TimeSpan.FromMilliseconds(400));
        Assert.Equal("v1", await cache.GetOrLoadAsync("page", Read("v2"), CancellationToken.None));
        Assert.Equal(2, _reads);

        // After it, the next request reads again, and a fresh value replaces the old one.
        _clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal("v2", await cache.GetOrLoadAsync("page", Read("v2"), CancellationToken.None));
        Assert.Equal(3, _reads);
    }

    [Fact]
    public async Task Past_its_keeping_time_an_entry_is_gone_and_the_refusal_reaches_the_caller()
    {
        using var cache = NewCache();
        await cache.GetOrLoadAsync("page", Read("v1"), CancellationToken.None);
        _clock.Advance(Ttl + StaleFor + TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<AdmissionRejectedException>(() => cache.GetOrLoadAsync("page", Refused(), CancellationToken.None));
    }

    [Fact]
    public async Task A_failure_that_is_not_a_refusal_is_not_hidden_behind_an_old_answer()
    {
        using var cache = NewCache();
        await cache.GetOrLoadAsync("page", Read("v1"), CancellationToken.None);
        _clock.Advance(Ttl + TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            cache.GetOrLoadAsync<string>("page", _ => Task.FromException<string>(new InvalidOperationException("the query is wrong")), CancellationToken.None));
    }

    [Fact]
    public async Task After_a_catalog_change_nothing_old_is_served()
    {
        using var cache = NewCache();
        await cache.GetOrLoadAsync("page", Read("v1"), CancellationToken.None);
        _clock.Advance(Ttl + TimeSpan.FromSeconds(1));

        cache.Clear();

        await Assert.ThrowsAsync<AdmissionRejectedException>(() => cache.GetOrLoadAsync("page", Refused(), CancellationToken.None));
    }

    [Fact]
    public async Task Without_a_stale_window_a_refused_refresh_is_refused()
    {
        using var cache = NewCache(staleFor: TimeSpan.Zero);
        await cache.GetOrLoadAsync("page", Read("v1"), CancellationToken.None);
        _clock.Advance(Ttl + TimeSpan.FromMilliseconds(1));

        await Assert.ThrowsAsync<AdmissionRejectedException>(() => cache.GetOrLoadAsync("page", Refused(), CancellationToken.None));
    }

    private Func<CancellationToken, Task<string>> Read(string value) => _ =>
    {
        Interlocked.Increment(ref _reads);
        return Task.FromResult(value);
    };

    private Func<CancellationToken, Task<string>> Pending(TaskCompletionSource<string> outcome) => _ =>
    {
        Interlocked.Increment(ref _reads);
        return outcome.Task;
    };

    private static Func<CancellationToken, Task<string>> Refused() => _ => Task.FromException<string>(Refusal(TimeSpan.FromSeconds(1)));

    private static AdmissionRejectedException Refusal(TimeSpan retryAfter) =>
        new(Priority.Sheddable, RejectionReason.DeadlineUnmeetable, retryAfter);

    private CatalogCache NewCache(TimeSpan? staleFor = null) =>
        new(new FixedOptionsMonitor<CatalogOptions>(new CatalogOptions { CacheTtl = Ttl, ServeStaleOnRefusal = staleFor ?? StaleFor }), Options.Create(new GuardOptions()), _clock);
}
