using System.Net;
using System.Net.Sockets;

using Bulwark.Lab.Orchestration;

namespace Bulwark.Lab.Shop;

public static class LabHttp
{
    /// <summary>How many client addresses the lab's users are spread over when the shop is on this machine.</summary>
    public const int DefaultClientAddresses = 64;

    /// <summary>The most source addresses the lab spreads clients over (127.0.1.1 to 127.0.1.250).</summary>
    public const int MaxClientAddresses = 250;

    /// <summary>
    /// Enough addresses that signing every user in at setup stays within the guard's per-address
    /// sign-in burst (10 by default): about 8 users per address, at least the default 64.
    /// </summary>
    public static int AddressesFor(int users) => Math.Clamp((users + 7) / 8, DefaultClientAddresses, MaxClientAddresses);

    /// <summary>
    /// One client per source address. Real shoppers come from many addresses and the guard limits
    /// per address (sign-in throttle, per-client rate limit), so a lab sending everything from
    /// 127.0.0.1 would look like one abusive client. All of 127.0.0.0/8 is loopback, so for a
    /// loopback target each client binds its connections to its own 127.0.1.x address. A remote
    /// target gets a single client: the lab cannot borrow addresses it does not have.
    /// </summary>
    public static IReadOnlyList<HttpClient> CreateLoadClients(Uri target, int maxConnections, int addresses = DefaultClientAddresses,
        FrontDoor? door = null)
    {
        if (!IsIPv4Loopback(target) || addresses <= 1) return [CreateLoadClient(target, maxConnections, source: null, door)];
        return [.. Enumerable.Range(0, Math.Min(addresses, MaxClientAddresses)).Select(i =>
            CreateLoadClient(target, maxConnections, new IPAddress([127, 0, 1, (byte)(i + 1)]), door))];
    }

    /// <summary>
    /// One client from an address no virtual user has (127.0.2.1 for a loopback target): an anonymous
    /// flood from it meets the per-client limit on its own token bucket and leaves the users' alone.
    /// </summary>
    public static HttpClient CreateSingleAddressClient(Uri target, int maxConnections) =>
        CreateLoadClient(target, maxConnections, IsIPv4Loopback(target) ? new IPAddress([127, 0, 2, 1]) : null);

    /// <summary>
    /// The load generator's client: enough connections that the generator, not the socket pool,
    /// decides how much is in flight; connections recycled so a long run follows restarts; no
    /// client-wide timeout because each call carries its own. With a <paramref name="door"/>, each new
    /// connection goes wherever the door points at that moment (a rolling restart).
    /// </summary>
    public static HttpClient CreateLoadClient(Uri target, int maxConnections, IPAddress? source = null, FrontDoor? door = null)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            UseCookies = false,
            AllowAutoRedirect = false,
        };
        if (source is not null || door is not null)
        {
            handler.ConnectCallback = async (context, ct) =>
            {
                var to = door?.Current ?? target;
                // "localhost" may resolve to ::1 first, which an IPv4 source cannot reach: connect to 127.0.0.1 explicitly.
                var destination = IPAddress.TryParse(to.Host, out var literal) ? literal : IPAddress.Loopback;
                var socket = new Socket(destination.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    if (source is not null) socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(new IPEndPoint(destination, door is null ? context.DnsEndPoint.Port : to.Port), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        return new HttpClient(handler) { BaseAddress = target, Timeout = Timeout.InfiniteTimeSpan };
    }

    static bool IsIPv4Loopback(Uri target) =>
        string.Equals(target.Host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(target.Host, out var address) && address.AddressFamily == AddressFamily.InterNetwork && IPAddress.IsLoopback(address));
}
