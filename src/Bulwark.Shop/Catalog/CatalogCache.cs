using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;
using Bulwark.Guard.DependencyInjection;
using Bulwark.Guard.Gate;
using Bulwark.Shop.RuntimeSettings;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Catalog;

/// <summary>
/// A short-lived, size-bounded cache of catalog reads with single flight: when an entry expires under
/// a surge, one request reads PostgreSQL and every concurrent request for the same key awaits that read
/// instead of sending its own (a stampede would undo what the cache is for).
/// </summary>
public sealed class CatalogCache(IOptionsMonitor<CatalogOptions> options, IOptions<GuardOptions> guard, TimeProvider clock)
    : IRuntimeSettingsConsumer, IDisposable
{
    // Guard:Mode=off runs the shop as the incident platforms ran: every read goes to the database.
    private readonly bool _disabled = guard.Value.Mode == GuardMode.Off;
    private long _ttlTicks = options.CurrentValue.CacheTtl.Ticks;

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

        if (_cache.TryGetValue(key, out T? hit) && hit is not null)
        {
            return hit;
        }

        // The read must know its own entry before anyone can start it: published first and started by a racing
        // caller, a read that captured the variable GetOrAdd was about to assign found it null, could not remove its
        // entry when it ended, and that key then answered the same (refused) read forever (lab bench, 2026-12-03).
        // A surge's callers join the read in flight without building one of their own.
        if (!_loading.TryGetValue(key, out var loading))
        {
            var generation = Interlocked.Read(ref _generation);
            Lazy<Task<object>>? candidate = null;
            candidate = new Lazy<Task<object>>(() => LoadAndStoreAsync(key, load, ttl, generation, candidate!));
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

    private async Task<object> LoadAndStoreAsync<T>(string key, Func<CancellationToken, Task<T>> load, TimeSpan ttl,
        long generation, Lazy<Task<object>> self)
        where T : class
    {
        try
        {
            // The shared read must not die with the first caller's disconnect; it still runs under that
            // caller's deadline, which the gate enforces.
            var value = await load(CancellationToken.None);
            if (Interlocked.Read(ref _generation) == generation)
            {
                _cache.Set(key, value, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = ttl, Size = 1 });
            }

            return value;
        }
        finally
        {
            // Only this read's own entry: after a Clear a newer read of the same key may be in flight.
            _loading.TryRemove(new KeyValuePair<string, Lazy<Task<object>>>(key, self));
        }
    }

#pragma warning disable CS0618 // MemoryCacheOptions.Clock still takes ISystemClock; adapt the injected TimeProvider to it.
    private sealed class SystemClockAdapter(TimeProvider clock) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }
#pragma warning restore CS0618
}
