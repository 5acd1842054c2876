using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Catalog;

/// <summary>
/// A short-lived, size-bounded cache of catalog reads with single flight: when an entry expires under
/// a surge, one request reads PostgreSQL and every concurrent request for the same key awaits that read
/// instead of sending its own (a stampede would undo what the cache is for).
/// </summary>
public sealed class CatalogCache(IOptionsMonitor<CatalogOptions> options, TimeProvider clock) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions
    {
        SizeLimit = options.CurrentValue.CacheEntries,
        Clock = new SystemClockAdapter(clock),
    });

    private readonly ConcurrentDictionary<string, Lazy<Task<object>>> _loading = new();

    public async Task<T> GetOrLoadAsync<T>(string key, Func<CancellationToken, Task<T>> load, CancellationToken cancellationToken)
        where T : class
    {
        var ttl = options.CurrentValue.CacheTtl;
        if (ttl <= TimeSpan.Zero)
        {
            return await load(cancellationToken);
        }

        if (_cache.TryGetValue(key, out T? hit) && hit is not null)
        {
            return hit;
        }

        var loading = _loading.GetOrAdd(key, k => new Lazy<Task<object>>(() => LoadAndStoreAsync(k, load, ttl)));
        return (T)await loading.Value.WaitAsync(cancellationToken);
    }

    /// <summary>Drops every entry, for when stock or prices were changed outside the API.</summary>
    public void Clear() => _cache.Clear();

    public void Dispose() => _cache.Dispose();

    private async Task<object> LoadAndStoreAsync<T>(string key, Func<CancellationToken, Task<T>> load, TimeSpan ttl)
        where T : class
    {
        try
        {
            // The shared read must not die with the first caller's disconnect; it still runs under that
            // caller's deadline, which the gate enforces.
            var value = await load(CancellationToken.None);
            _cache.Set(key, value, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = ttl, Size = 1 });
            return value;
        }
        finally
        {
            _loading.TryRemove(key, out _);
        }
    }

#pragma warning disable CS0618 // MemoryCacheOptions.Clock still takes ISystemClock; adapt the injected TimeProvider to it.
    private sealed class SystemClockAdapter(TimeProvider clock) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }
#pragma warning restore CS0618
}
