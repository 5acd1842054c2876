namespace Bulwark.Lab.Shop;

public static class LabHttp
{
    /// <summary>
    /// The load generator's client: enough connections that the generator, not the socket pool,
    /// decides how much is in flight; connections recycled so a long run follows DNS and restarts;
    /// no client-wide timeout because each call carries its own.
    /// </summary>
    public static HttpClient CreateLoadClient(Uri target, int maxConnections) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            UseCookies = false,
            AllowAutoRedirect = false,
        })
        {
            BaseAddress = target,
            Timeout = Timeout.InfiniteTimeSpan,
        };
}
