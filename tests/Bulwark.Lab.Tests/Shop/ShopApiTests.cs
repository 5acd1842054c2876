using System.Net;
using System.Net.Sockets;
using System.Text;
using Bulwark.Lab.Shop;

namespace Bulwark.Lab.Tests.Shop;

public class ShopApiTests
{
    const string Page = """{"items":[{"id":1,"name":"A product"}],"page":1}""";
    const string Broken = """{"title":"Something broke","status":500}""";
    const string Busy = """{"type":"urn:bulwark:problem:overloaded","title":"Busy","status":503}""";

    /// <summary>Answers one request per connection with the next of <paramref name="answers"/> (status, body).</summary>
    static async Task ServeAsync(TcpListener listener, params (int Status, string Body)[] answers)
    {
        foreach (var (status, body) in answers)
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            await RequestHead.ReadAsync(stream);
            var bytes = Encoding.UTF8.GetBytes(body);
            var head = $"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(bytes);
        }
    }

    [Fact]
    public async Task Load_reads_successful_and_refused_bodies_to_their_end_without_keeping_them_but_keeps_an_errors_and_the_fixtures()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}") };
        var api = new ShopApi(http, TimeSpan.FromSeconds(10));
        var server = ServeAsync(listener, (200, Page), (503, Busy), (500, Broken), (200, Page));

        var browsed = await api.ListProductsAsync("1", 1, 20, CancellationToken.None, keepBody: false);
        var refused = await api.ListProductsAsync("1", 1, 20, CancellationToken.None, keepBody: false);
        var failed = await api.ListProductsAsync("1", 1, 20, CancellationToken.None, keepBody: false);
        var kept = await api.ListProductsAsync("1", 1, 20, CancellationToken.None);
        await server;

        Assert.Equal(HttpStatusCode.OK, browsed.Status);
        Assert.Equal("", browsed.Body);
        Assert.Equal("application/json", browsed.ContentType);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Equal("", refused.Body);
        Assert.Equal("application/json", refused.ContentType);
        Assert.Equal(HttpStatusCode.InternalServerError, failed.Status);
        Assert.Equal(Broken, failed.Body);
        Assert.Equal(Page, kept.Body);
    }
}
