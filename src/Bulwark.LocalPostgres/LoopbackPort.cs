using System.Net;
using System.Net.Sockets;

namespace Bulwark.LocalPostgres;

/// <summary>Ports for local servers whose address must be known before they start (PostgreSQL, the lab's helpers, tests').</summary>
public static class LoopbackPort
{
    /// <summary>
    /// A loopback port free right now, below the kernel's ephemeral range. Its number goes to a server before the server
    /// binds it, and a port from the ephemeral range goes to the next taker of any (a listener on port 0, a client
    /// connection's source): a parallel test's Kestrel took the port meant for Prometheus and answered its API with 404
    /// (CI, 2026-12-03). Ports below the range are only ever taken by someone naming them. Someone may still name it
    /// first, which is why a server that fails to bind is started again on another.
    /// </summary>
    public static int Free()
    {
        var firstEphemeral = EphemeralRangeStart();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(10000, firstEphemeral);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        throw new InvalidOperationException($"No free loopback port between 10000 and {firstEphemeral} in 100 tries.");
    }

    private static int EphemeralRangeStart()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(range) && int.TryParse(File.ReadAllText(range).Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], out var low) && low > 11000
            ? low
            : 32768;
    }
}
