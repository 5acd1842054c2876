using System.Net;
using System.Net.Sockets;

namespace Bulwark.LocalPostgres.Cluster;

/// <summary>
/// Keeps a stopped server's port from being handed to someone else, so it can start again on the
/// same port. The socket is bound but never listens, so clients still get "connection refused", exactly as with a
/// stopped server, and no bind to port 0 is given it. (<see cref="LoopbackPort.Free"/> names ports at random below
/// the ephemeral range: it could pick this one only by a chance of one in tens of thousands, and a start that then
/// fails to bind is retried on another port.)
/// </summary>
internal sealed class PortReservation : IDisposable
{
    private readonly Socket socket;

    private PortReservation(Socket socket) => this.socket = socket;

    /// <summary>Null when the port is already bound elsewhere; starting will then report it taken.</summary>
    public static PortReservation? TryReserve(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // The stopped server's closed connections linger in TIME_WAIT on this port, so binding
            // needs SO_REUSEADDR. The kernel still never hands a port bound this way to a bind to port 0.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return new PortReservation(socket);
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    public void Dispose() => socket.Dispose();
}
