using System.Net.Sockets;
using System.Text;

namespace Bulwark.Lab.Tests.Shop;

/// <summary>For the tests' one-request-per-connection HTTP servers: reads a request up to the end of its headers.</summary>
static class RequestHead
{
    public static async Task ReadAsync(NetworkStream stream)
    {
        var buffer = new byte[4096];
        var read = 0;
        while (!Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n"))
            read += await stream.ReadAsync(buffer.AsMemory(read));
    }
}
