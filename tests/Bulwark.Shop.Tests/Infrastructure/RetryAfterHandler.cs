using System.Net;

namespace Bulwark.Shop.Tests.Infrastructure;

/// <summary>
/// Behaves like a well-mannered client: when the shop sheds a request (503 + Retry-After) it waits and
/// sends the same request again. The guard's own tests assert the shedding; the shop's tests assert what
/// the shop does with the requests it admits, however busy the test machine is.
/// </summary>
public sealed class RetryAfterHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public RetryAfterHandler()
        : this(new SocketsHttpHandler())
    {
    }

    private const int MaxAttempts = 30;
    private static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(500);

    public int Retries { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || response.Headers.RetryAfter is null || attempt == MaxAttempts
                || await MadeAnOrderAsync(response, cancellationToken))
            {
                return response;
            }

            var wait = response.Headers.RetryAfter.Delta ?? MaxWait;
            response.Dispose();
            Retries++;
            await Task.Delay(wait < MaxWait ? wait : MaxWait, cancellationToken);
            request = Clone(request, body);
        }
    }

    private static HttpRequestMessage Clone(HttpRequestMessage request, byte[]? body)
    {
        var clone = new HttpRequestMessage(request.Method, request.RequestUri);
        foreach (var header in request.Headers)
        {
            clone.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        if (body is not null)
        {
            clone.Content = new ByteArrayContent(body);
            foreach (var header in request.Content!.Headers)
            {
                clone.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return clone;
    }

    /// <summary>
    /// A 503 naming an order (a checkout that reserved, then ran out of time and failed the order): the shop says to
    /// retry with a new Idempotency-Key, so the same request sent again would only find that failed order (200). The
    /// caller decides; as a browser would.
    /// </summary>
    internal static async Task<bool> MadeAnOrderAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var problem = System.Text.Json.JsonDocument.Parse(text);
            return problem.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && problem.RootElement.TryGetProperty("orderId", out _);
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
