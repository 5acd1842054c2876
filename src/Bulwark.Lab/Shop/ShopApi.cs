using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Bulwark.Lab.Shop;

/// <summary>
/// The shop's HTTP API as DESIGN.md fixes it, one method per route the lab drives. Every call has
/// its own timeout; a timeout or a transport failure is an answer, never an exception, because a
/// load run must account for it rather than stop.
/// </summary>
/// <param name="clock">Times each exchange; the system clock unless a test steps it.</param>
public sealed class ShopApi(HttpClient http, TimeSpan timeout, TimeProvider? clock = null)
{
    readonly TimeProvider time = clock ?? TimeProvider.System;

    public HttpClient Http => http;

    /// <param name="keepBody">False for load, where only the status counts: see <see cref="SendAsync"/>.</param>
    public Task<ApiAnswer> ListProductsAsync(string categoryId, int page, int pageSize, CancellationToken ct, bool keepBody = true) =>
        SendAsync(HttpMethod.Get, $"/api/products?category={Uri.EscapeDataString(categoryId)}&page={page}&pageSize={pageSize}", null, null, null, ct,
            keepBody: keepBody);

    /// <param name="keepBody">False for load, where only the status counts: see <see cref="SendAsync"/>.</param>
    public Task<ApiAnswer> GetProductAsync(string productId, CancellationToken ct, bool keepBody = true) =>
        SendAsync(HttpMethod.Get, $"/api/products/{Uri.EscapeDataString(productId)}", null, null, null, ct, keepBody: keepBody);

    public Task<ApiAnswer> ListCategoriesAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "/api/categories", null, null, null, ct);

    public Task<ApiAnswer> RegisterAsync(string email, string password, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "/api/accounts", JsonContent.Create(new { email, password }), null, null, ct);

    public Task<ApiAnswer> SignInAsync(string email, string password, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "/api/sessions", JsonContent.Create(new { email, password }), null, null, ct);

    /// <param name="token">Null sends the request anonymously (the refusal flood's cheap request).</param>
    public Task<ApiAnswer> GetCartAsync(string? token, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "/api/cart", null, token, null, ct);

    /// <param name="keepBody">False for load, where only the status counts: see <see cref="SendAsync"/>.</param>
    /// <param name="admission">A sale's admission, sent as the <c>Admission</c> header: the change is then not shed.</param>
    public Task<ApiAnswer> PutCartItemAsync(string token, string productId, int quantity, CancellationToken ct, bool keepBody = true,
        string? admission = null) =>
        SendAsync(HttpMethod.Put, $"/api/cart/items/{Uri.EscapeDataString(productId)}", JsonContent.Create(new { quantity }), token, null, ct,
            admission is null ? null : ("Admission", admission), keepBody);

    public Task<ApiAnswer> RemoveCartItemAsync(string token, string productId, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, $"/api/cart/items/{Uri.EscapeDataString(productId)}", null, token, null, ct);

    /// <param name="admission">The waiting room's admission, sent as the <c>Admission</c> header when the checkout needs one.</param>
    public Task<ApiAnswer> CheckoutAsync(string token, string idempotencyKey, string paymentToken, CancellationToken ct, string? admission = null) =>
        SendAsync(HttpMethod.Post, "/api/checkout", JsonContent.Create(new { paymentToken }), token, idempotencyKey, ct,
            admission is null ? null : ("Admission", admission));

    public Task<ApiAnswer> CreateSaleAsync(string adminToken, object sale, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "/api/admin/sales", JsonContent.Create(sale), adminToken, null, ct);

    public Task<ApiAnswer> GetSaleAsync(string saleId, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"/api/sales/{Uri.EscapeDataString(saleId)}", null, null, null, ct);

    /// <param name="saleId">Null joins the general checkout room.</param>
    public Task<ApiAnswer> JoinWaitingRoomAsync(string token, string? saleId, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "/api/waiting-room", JsonContent.Create(saleId is null ? new { } : (object)new { saleId = long.Parse(saleId, System.Globalization.CultureInfo.InvariantCulture) }), token, null, ct);

    /// <param name="holdSeconds">Asks the shop to hold the poll until the turn comes or the sale sells out (<c>Prefer: wait</c>).</param>
    public Task<ApiAnswer> PollWaitingRoomAsync(string token, string ticket, CancellationToken ct, int? holdSeconds = null) =>
        SendAsync(HttpMethod.Get, $"/api/waiting-room/{Uri.EscapeDataString(ticket)}", null, token, null, ct,
            holdSeconds is { } seconds ? ("Prefer", FormattableString.Invariant($"wait={seconds}")) : null);

    public Task<ApiAnswer> ListOrdersAsync(string token, int page, int pageSize, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"/api/orders?page={page}&pageSize={pageSize}", null, token, null, ct);

    public Task<ApiAnswer> GetOrderAsync(string token, string orderId, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"/api/orders/{Uri.EscapeDataString(orderId)}", null, token, null, ct);

    public Task<ApiAnswer> GetAdminConfigAsync(string token, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "/api/admin/config", null, token, null, ct);

    public Task<ApiAnswer> PutAdminConfigAsync(string token, object body, CancellationToken ct) =>
        SendAsync(HttpMethod.Put, "/api/admin/config", JsonContent.Create(body), token, null, ct);

    public Task<ApiAnswer> ReadyAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "/health/ready", null, null, null, ct);

    /// <param name="keepBody">
    /// False: a successful answer's or a refusal's (503, 429) body is read to its end (its time counts) but not kept, and
    /// <see cref="ApiAnswer.Body"/> is empty; an error's body is kept. The generator has one core of its own, and at 10× the
    /// mix its garbage collector's pauses made it lag behind its schedule: each catalog page, then each of the thousands
    /// of refusals a second, was decoded into a string nobody read (strings were a quarter of its allocations).
    /// </param>
    async Task<ApiAnswer> SendAsync(HttpMethod method, string path, HttpContent? content, string? bearer, string? idempotencyKey, CancellationToken ct,
        (string Name, string Value)? extraHeader = null, bool keepBody = true)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (extraHeader is { } extra) request.Headers.TryAddWithoutValidation(extra.Name, extra.Value);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var sent = time.GetTimestamp();
        try
        {
            // Either way the body is read before the clock stops: the latency we record includes reading it.
            using var response = await http.SendAsync(request, keepBody ? HttpCompletionOption.ResponseContentRead : HttpCompletionOption.ResponseHeadersRead,
                deadline.Token);
            string body;
            if (keepBody || !(response.IsSuccessStatusCode || IsRefusal(response.StatusCode))) body = await response.Content.ReadAsStringAsync(deadline.Token);
            else
            {
                await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
                await stream.CopyToAsync(Stream.Null, deadline.Token);
                body = "";
            }
            var retryAfter = response.Headers.RetryAfter is { } header
                ? header.Delta ?? (header.Date is { } date ? date - DateTimeOffset.UtcNow : null)
                : null;
            return new ApiAnswer(response.StatusCode, body, TimedOut: false, TransportError: null, retryAfter)
            {
                Took = time.GetElapsedTime(sent),
                ContentType = response.Content.Headers.ContentType?.MediaType,
            };
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new ApiAnswer(null, "", TimedOut: true, TransportError: null) { Took = time.GetElapsedTime(sent) };
        }
        catch (HttpRequestException e)
        {
            return new ApiAnswer(null, "", TimedOut: false, TransportError: e.HttpRequestError + ": " + e.Message) { Took = time.GetElapsedTime(sent) };
        }
    }

    static bool IsRefusal(System.Net.HttpStatusCode status) =>
        status is System.Net.HttpStatusCode.ServiceUnavailable or System.Net.HttpStatusCode.TooManyRequests;
}
