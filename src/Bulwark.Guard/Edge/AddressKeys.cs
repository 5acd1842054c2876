using System.Collections.Concurrent;
using System.Net;

namespace Bulwark.Guard.Edge;

/// <summary>
/// "ip:…" keys made once per address rather than formatted on every request of a flood. Bounded: past
/// <see cref="MaxEntries"/> addresses it starts afresh (a key is cheap to rebuild; memory is not free).
/// </summary>
internal static class AddressKeys
{
    private const int MaxEntries = 100_000;
    private static ConcurrentDictionary<IPAddress, string> _keys = new();

    public static string Of(IPAddress address)
    {
        var keys = _keys;
        if (keys.TryGetValue(address, out var key))
        {
            return key;
        }

        if (keys.Count >= MaxEntries)
        {
            _keys = keys = new ConcurrentDictionary<IPAddress, string>();
        }

        return keys.GetOrAdd(address, static a => "ip:" + a);
    }
}
