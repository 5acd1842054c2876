using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Bulwark.Shop.Operations.Metrics;
using Microsoft.Extensions.Caching.Memory;
using Bulwark.Guard.DependencyInjection;
using Bulwark.Guard.Gate;
using Bulwark.Shop.RuntimeSettings;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Catalog;

/// <summary>
/// A short-lived, size-bounded cache of catalog reads with single flight: when an entry expires under
/// a surge, one request reads PostgreSQL and every concurrent request for the same key awaits that read
/// instead of sending its own (a stampede would undo what the cache is for). An expired entry is kept
/// <see cref="CatalogOptions.ServeStaleOnRefusal"/> longer and answered when the gate refuses its refresh
/// (stale-if-error, for overload only), until the catalog changes.
/// </summary>
public sealed class CatalogCache(IOptionsMonitor<CatalogOptions> options, IOptions<GuardOptions> guard, TimeProvider clock,
    IMeterFactory? meters = null)
    : IRuntimeSettingsConsumer, IDisposable
{
    public const string RefusedRefreshInstrument = "bulwark.catalog.refused_refreshes";

    private readonly Counter<long>? _refusedRefreshes = meters?.Create(ShopTelemetry.MeterName).CreateCounter<long>(RefusedRefreshInstrument, unit: "{read}",
        description: "Refreshes of expired catalog entries the database gate refused (overload), each answered with the expired entry instead of a 503.");

    // Guard:Mode=off runs the shop as the incident platforms ran: every read goes to the database.
    private readonly bool _disabled = guard.Value.Mode == GuardMode.Off;
    private long _ttlTicks = options.CurrentValue.CacheTtl.Ticks;
    private readonly TimeSpan _staleFor = options.CurrentValue.ServeStaleOnRefusal;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions
    {
        SizeLimit = options.CurrentValue.CacheEntries,
        Clock = new SystemClockAdapter(clock),
    });

    private readonly ConcurrentDictionary<string, Lazy<Task<object>>> _loading = new();

    // Bumped by every Clear: a read that started before a catalog change must not store what it read
    // after the change was announced, or the old price would be served again for a whole TTL.
    private long _generation;

    public async Task<T> GetOrLoadAsync<T>(string key, Func<CancellationToken, Task<T>> load, CancellationToken cancellationToken)
        where T : class
    {
        var ttl = TimeSpan.FromTicks(Interlocked.Read(ref _ttlTicks));
        if (_disabled || ttl <= TimeSpan.Zero)
        {
            return await load(cancellationToken);
        }

        var kept = _cache.TryGetValue(key, out Entry? entry) ? entry : null;
        if (kept is not null && kept.FreshUntil > clock.GetUtcNow())
        {
            return (T)kept.Value;
        }

        // The read must know its own entry before anyone can start it: published first and started by a racing
        // caller, a read that captured the variable GetOrAdd was about to assign found it null, could not remove its
        // entry when it ended, and that key then answered the same (refused) read forever (lab bench, 2026-12-03).
        // A surge's callers join the read in flight without building one of their own.
        if (!_loading.TryGetValue(key, out var loading))
        {
            var generation = Interlocked.Read(ref _generation);
            Lazy<Task<object>>? candidate = null;
            candidate = new Lazy<Task<object>>(() => LoadAndStoreAsync(key, load, ttl, generation, candidate!, kept));
            loading = _loading.GetOrAdd(key, candidate);
        }

        return (T)await loading.Value.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Drops every entry and forgets reads in flight, so the next request reads PostgreSQL afresh: called
    /// when the catalog changed (an admin change here, or its NOTIFY from another instance).
    /// </summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _loading.Clear();
        _cache.Clear();
    }

    /// <summary>Takes the cache lifetime of new runtime settings; entries already cached keep theirs.</summary>
    public void Apply(ShopSettings settings) => Interlocked.Exchange(ref _ttlTicks, settings.Catalog.CacheTtl.Ticks);

    public void Dispose() => _cache.Dispose();

    /// <param name="stale">The expired entry of this key, if one is still kept: the answer when the gate refuses the read.</param>
    private async Task<object> LoadAndStoreAsync<T>(string key, Func<CancellationToken, Task<T>> load, TimeSpan ttl,
        long generation, Lazy<Task<object>> self, Entry? stale)
        where T : class
    {
        try
        {
            // The shared read must not die with the first caller's disconnect; it still runs under that
            // caller's deadline, which the gate enforces.
            var value = await load(CancellationToken.None);
            if (Interlocked.Read(ref _generation) == generation)
            {
                var now = clock.GetUtcNow();
                var entry = new Entry(value, now + ttl, now + ttl + _staleFor);
                _cache.Set(key, entry, new MemoryCacheEntryOptions { AbsoluteExpiration = entry.KeptUntil, Size = 1 });
            }

            return value;
        }
        catch (AdmissionRejectedException refused) when (stale is not null && Interlocked.Read(ref _generation) == generation)
        {
            // Overload, not a fault: the page of a few seconds ago is a better answer than a 503, costs the CPU of a hit,
            // and spares every caller that joined this read an exception of its own (at 5× load in the lab, rejections
            // rethrown through each caller's async frames took a sixth of the shop's CPU). Anything else still fails.
            // The next refresh waits for the gate's Retry-After (at most a lifetime), not for the next request: a read
            // refused at once would otherwise be tried, and refused, once per request.
            var now = clock.GetUtcNow();
            var retry = TimeSpan.FromTicks(Math.Clamp(refused.RetryAfter.Ticks, MinRetry.Ticks, Math.Max(MinRetry.Ticks, ttl.Ticks)));
            var held = stale with { FreshUntil = now + retry < stale.KeptUntil ? now + retry : stale.KeptUntil };
            _cache.Set(key, held, new MemoryCacheEntryOptions { AbsoluteExpiration = held.KeptUntil, Size = 1 });
            _refusedRefreshes?.Add(1);
            return stale.Value;
        }
        finally
        {
            // Only this read's own entry: after a Clear a newer read of the same key may be in flight.
            _loading.TryRemove(new KeyValuePair<string, Lazy<Task<object>>>(key, self));
        }
    }

    /// <summary>A cached read, the instant it stops being fresh, and how long it is kept past that to answer a refused refresh.</summary>
    private sealed record Entry(object Value, DateTimeOffset FreshUntil, DateTimeOffset KeptUntil);

    /// <summary>Least wait before a refused refresh is tried again.</summary>
    private static readonly TimeSpan MinRetry = TimeSpan.FromMilliseconds(100);

#pragma warning disable CS0618 // MemoryCacheOptions.Clock still takes ISystemClock; adapt the injected TimeProvider to it.
    private sealed class SystemClockAdapter(TimeProvider clock) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }
#pragma warning restore CS0618
}
