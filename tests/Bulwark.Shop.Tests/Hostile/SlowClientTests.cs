using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Bulwark.Shop.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Bulwark.Shop.Tests.Hostile;

/// <summary>
/// Slowloris on a real socket against the shop's real Kestrel on 127.0.0.1: a client that drips its
/// headers or its body a byte at a time is cut off within seconds (the fixture sets a 2 s header timeout
/// and a 2 s grace before the 1,024 B/s minimum body rate), instead of holding the connection for the
/// minute its drip would take.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class SlowClientTests(ShopFixture shop, ITestOutputHelper output)
{
    private static readonly TimeSpan Drip = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_client_dripping_its_headers_is_cut_off_after_the_header_timeout()
    {
        var (closedAfter, answer) = await DripAsync(
            "GET /api/products HTTP/1.1\r\nHost: 127.0.0.1\r\n",
            "X-Slow: " + new string('a', 600) + "\r\n\r\n");

        // 2 s timeout, checked on Kestrel's 1 s heartbeat, plus a loaded machine's slack.
        Assert.True(closedAfter < TimeSpan.FromSeconds(6), $"still connected after {closedAfter}; answer: {answer}");
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
    }

    [Fact]
    public async Task A_client_dripping_its_body_is_cut_off_with_408_problem_not_a_503()
    {
        var body = "{\"email\": \"slow-" + Guid.NewGuid().ToString("N") + "@example.com\", \"password\": \"" + new string('p', 500) + "\"}";
        var (closedAfter, answer) = await DripAsync(
            $"POST /api/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n",
            body);

        // 2 s grace, then the rate (1,024 B/s) is missed at the next heartbeat; Kestrel's own default
        // (240 B/s after 5 s) would take over 5 s.
        Assert.True(closedAfter < TimeSpan.FromSeconds(4.8), $"still connected after {closedAfter}; answer: {answer}");
        Assert.StartsWith("HTTP/1.1 408", answer, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", answer, StringComparison.Ordinal);
    }

    /// <summary>
    /// Sends <paramref name="head"/> at once, then <paramref name="drip"/> one byte per 100 ms, while
    /// reading whatever the server answers; returns when the server closes the connection.
    /// </summary>
    private async Task<(TimeSpan ClosedAfter, string Answer)> DripAsync(string head, string drip)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(shop.BaseAddress.Host, shop.BaseAddress.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(head));
        var clock = Stopwatch.StartNew();
        var reading = ReadUntilClosedAsync(socket);
        foreach (var b in Encoding.UTF8.GetBytes(drip))
        {
            if (reading.IsCompleted || clock.Elapsed > GiveUp)
            {
                break;
            }

            try
            {
                await socket.SendAsync(new[] { b });
            }
            catch (SocketException)
            {
                break; // the server reset the connection
            }

            await Task.Delay(Drip);
        }

        var answer = await reading.WaitAsync(GiveUp);
        output.WriteLine($"closed after {answer.ClosedAfter}: {answer.Text.Split('\r')[0]}");
        Assert.True(clock.Elapsed < GiveUp, "the drip ran to its end without the server closing the connection");
        return (answer.ClosedAfter ?? clock.Elapsed, answer.Text);
    }

    private static async Task<(TimeSpan? ClosedAfter, string Text)> ReadUntilClosedAsync(Socket socket)
    {
        var clock = Stopwatch.StartNew();
        var received = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer)) > 0)
            {
                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }
        catch (SocketException)
        {
            // Reset rather than closed: cut off all the same.
        }

        return (clock.Elapsed, received.ToString());
    }
}
