using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.Faults;

/// <summary>
/// Buyers purchasing in a loop (cart update, checkout) while a fault is injected, recording what each
/// request was answered and how long it took. Plain clients: a refusal is recorded, not retried.
/// </summary>
public sealed class PurchaseLoad : IAsyncDisposable
{
    private readonly List<HttpClient> _buyers;
    private readonly long[] _products;
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<Answer> _answers = [];
    private Task? _running;

    private PurchaseLoad(List<HttpClient> buyers, long[] products)
    {
        _buyers = buyers;
        _products = products;
    }

    /// <summary>One answer: when it was sent (since the load started), what and how long.</summary>
    public sealed record Answer(TimeSpan SentAt, string Request, int Status, TimeSpan Took, bool ProblemDetails, bool RetryAfter, string? Title = null);

    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Signs in <paramref name="buyers"/> fresh accounts on the shop at <paramref name="shop"/> and starts them buying.</summary>
    public static async Task<PurchaseLoad> StartAsync(Uri shop, int buyers, long[] products)
    {
        var clients = new List<HttpClient>();
        for (var i = 0; i < buyers; i++)
        {
            clients.Add(await new HttpClient { BaseAddress = shop, Timeout = TimeSpan.FromSeconds(30) }.SignInNewAccountAsync());
        }

        var load = new PurchaseLoad(clients, products);
        load._running = Task.WhenAll(clients.Select((client, i) => load.BuyAsync(client, i)));
        return load;
    }

    public IReadOnlyList<Answer> Answers()
    {
        lock (_answers)
        {
            return [.. _answers];
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null)
        {
            await _running;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        foreach (var client in _buyers)
        {
            client.Dispose();
        }

        _stop.Dispose();
    }

    private async Task BuyAsync(HttpClient client, int buyer)
    {
        for (var purchase = 0; !_stop.IsCancellationRequested; purchase++)
        {
            var product = _products[(buyer + purchase) % _products.Length];
            var cart = await SendAsync(client, "cart", () => new HttpRequestMessage(HttpMethod.Put, $"/api/cart/items/{product}")
            {
                Content = JsonContent.Create(new { quantity = 1 }),
            });
            if (cart != HttpStatusCode.OK)
            {
                await PauseAsync();
                continue;
            }

            var checkout = await SendAsync(client, "checkout", () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, "/api/checkout") { Content = JsonContent.Create(new { paymentToken = "tok_visa" }) };
                request.Headers.Add("Idempotency-Key", $"fault-{buyer}-{purchase}-{Guid.NewGuid():N}");
                return request;
            });
            if ((int)checkout >= 500)
            {
                await PauseAsync();
            }
        }
    }

    private async Task<HttpStatusCode> SendAsync(HttpClient client, string name, Func<HttpRequestMessage> create)
    {
        var sentAt = _clock.Elapsed;
        using var request = create();
        try
        {
            using var response = await client.SendAsync(request, CancellationToken.None);
            var took = _clock.Elapsed - sentAt;
            var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
            var title = problem ? (await response.Content.ReadFromJsonAsync<ProblemTitle>())?.Title : null;
            Record(new Answer(sentAt, name, (int)response.StatusCode, took, problem, response.Headers.RetryAfter is not null, title));
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            // No HTTP answer at all (the connection broke): recorded as status 0, which every test treats as a failure.
            Record(new Answer(sentAt, name, 0, _clock.Elapsed - sentAt, false, false));
            return 0;
        }
    }

    private sealed record ProblemTitle(string? Title);

    private void Record(Answer answer)
    {
        lock (_answers)
        {
            _answers.Add(answer);
        }
    }

    /// <summary>A refused buyer waits a little, as the storefront does, instead of hammering a shop that said no.</summary>
    private async Task PauseAsync()
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), _stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
