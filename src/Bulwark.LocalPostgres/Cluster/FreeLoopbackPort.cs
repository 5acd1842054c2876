using System.Net;
using System.Net.Sockets;

namespace Bulwark.LocalPostgres.Cluster;

internal static class FreeLoopbackPort
{
    /// <summary>
    /// A port the kernel considers free right now. Someone may take it before the server binds,
    /// which is why starting retries with another port when the bind fails.
    /// </summary>
    public static int Pick()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
