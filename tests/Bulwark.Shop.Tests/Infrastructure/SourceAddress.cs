using System.Net;
using System.Net.Sockets;

namespace Bulwark.Shop.Tests.Infrastructure;

/// <summary>
/// HTTP clients whose connections come from a chosen loopback address (127.0.0.2, 127.0.0.3, …: all of
/// 127/8 is this machine), so a test can be a client address of its own: one office behind a NAT, one
/// attacker, without spending the budgets of 127.0.0.1 that every other test shares.
/// </summary>
public static class SourceAddress
{
    /// <summary>
    /// A client connecting from <paramref name="source"/>. Plain by default (a refusal is what such tests look
    /// for); <paramref name="retryShedding"/> makes it retry 503 + Retry-After like <see cref="RetryAfterHandler"/>
    /// (a 429 is still returned as it is).
    /// </summary>
    public static HttpClient Client(Uri baseAddress, IPAddress source, bool retryShedding = false)
    {
        var sockets = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(retryShedding ? new RetryAfterHandler(sockets) : sockets)
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }
}
