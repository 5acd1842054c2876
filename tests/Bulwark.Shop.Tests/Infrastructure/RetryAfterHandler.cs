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
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || response.Headers.RetryAfter is null || attempt == MaxAttempts)
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
}
