using System.Net;
using System.Net.Sockets;
using System.Text;
using Bulwark.Lab.Shop;

namespace Bulwark.Lab.Tests.Shop;

public class LabHttpTests
{
    /// <summary>A one-request-per-connection HTTP server that answers with the address the request came from.</summary>
    static async Task ServeCallerAddressesAsync(TcpListener listener, int requests)
    {
        for (var i = 0; i < requests; i++)
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            await RequestHead.ReadAsync(stream);
            var caller = ((IPEndPoint)client.Client.RemoteEndPoint!).Address.ToString();
            var response = $"HTTP/1.1 200 OK\r\nContent-Length: {caller.Length}\r\nConnection: close\r\n\r\n{caller}";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
        }
    }

    [Fact]
    public async Task Clients_for_a_loopback_target_each_come_from_their_own_loopback_address()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var target = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        var clients = LabHttp.CreateLoadClients(target, maxConnections: 4, addresses: 3);
        var server = ServeCallerAddressesAsync(listener, clients.Count);

        var callers = new List<string>();
        foreach (var client in clients)
        {
            callers.Add(await client.GetStringAsync("/"));
            client.Dispose();
        }
        await server;

        Assert.Equal(["127.0.1.1", "127.0.1.2", "127.0.1.3"], callers);
    }

    [Fact]
    public void A_remote_target_gets_one_client_because_the_lab_cannot_borrow_its_addresses()
    {
        var clients = LabHttp.CreateLoadClients(new Uri("http://10.0.0.5:5080"), maxConnections: 4);

        Assert.Single(clients);
        clients[0].Dispose();
    }

    [Fact]
    public void Users_are_spread_so_that_signing_them_all_in_fits_the_per_address_burst()
    {
        Assert.Equal(LabHttp.DefaultClientAddresses, LabHttp.AddressesFor(10));
        Assert.Equal(250, LabHttp.AddressesFor(2_000));      // 8 per address, under the guard's burst of 10
        Assert.Equal(LabHttp.MaxClientAddresses, LabHttp.AddressesFor(100_000));
        Assert.True(600 / LabHttp.AddressesFor(600) <= 10);
    }
}
