using System.Net.Http.Json;
using Bulwark.Shop.Checkout;

namespace Bulwark.Shop.Tests.Infrastructure;

public static class CheckoutSteps
{
    public static async Task AddToCartAsync(this HttpClient client, long productId, int quantity) =>
        (await client.PutAsJsonAsync($"/api/cart/items/{productId}", new { quantity })).EnsureSuccessStatusCode();

    public static Task<HttpResponseMessage> CheckoutAsync(this HttpClient client, string? idempotencyKey, string paymentToken = "tok_visa",
        string? admission = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/checkout") { Content = JsonContent.Create(new { paymentToken }) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (admission is not null)
        {
            request.Headers.Add("Admission", admission);
        }

        return client.SendAsync(request);
    }

    /// <summary>
    /// Checks out as a client that follows the shop's answers does: a 503 naming a failed order ("Out of time": not
    /// charged, the stock back, retry with a new Idempotency-Key) is tried again with a new key, up to five times. On a
    /// machine busy enough that a reservation takes the whole deadline, that is the shop's honest answer (a CI run: 19 of
    /// 200 concurrent buyers), and the purchase is still to be made.
    /// </summary>
    public static async Task<HttpResponseMessage> CheckoutAsToldAsync(this HttpClient client, string idempotencyKey, string paymentToken = "tok_visa")
    {
        var response = await client.CheckoutAsync(idempotencyKey, paymentToken);
        for (var retry = 1; retry <= 5 && response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable
            && await RetryAfterHandler.MadeAnOrderAsync(response, CancellationToken.None); retry++)
        {
            response.Dispose();
            response = await client.CheckoutAsync($"{idempotencyKey}-retry-{retry}", paymentToken);
        }

        return response;
    }

    /// <summary>
    /// Checks out as the storefront does: when the shop answers that a waiting room must be passed (429, the
    /// waiting-room problem type), joins the room it names, polls until admitted, and checks out with the
    /// admission; when the room says the sale sold out, checks out once more to get the shop's own answer.
    /// </summary>
    public static async Task<HttpResponseMessage> CheckoutThroughRoomAsync(this HttpClient client, string idempotencyKey, string paymentToken = "tok_visa")
    {
        var response = await client.CheckoutAsync(idempotencyKey, paymentToken);
        for (var attempt = 0; attempt < 20 && response.StatusCode == System.Net.HttpStatusCode.TooManyRequests; attempt++)
        {
            var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            if (problem.GetProperty("type").GetString() != Bulwark.Shop.WaitingRoom.WaitingRoomProblems.Type)
            {
                return response;
            }

            var saleId = problem.TryGetProperty("saleId", out var sale) && sale.ValueKind == System.Text.Json.JsonValueKind.Number ? sale.GetInt64() : (long?)null;
            var joined = await (await client.PostAsJsonAsync("/api/waiting-room", saleId is null ? new { } : (object)new { saleId }))
                .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            var ticket = joined.GetProperty("ticket").GetString()!;
            var place = joined;
            for (var poll = 0; poll < 600 && !Flag(place, "admitted") && !Flag(place, "soldOut"); poll++)
            {
                await Task.Delay(100);
                place = await client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/waiting-room/{Uri.EscapeDataString(ticket)}");
            }

            response = Flag(place, "admitted")
                ? await client.CheckoutAsync(idempotencyKey, paymentToken, place.GetProperty("admission").GetString())
                // Sold out: the room's news reaches checkout within a refresh; ask until it answers for itself.
                : await AfterAsync(TimeSpan.FromMilliseconds(300), () => client.CheckoutAsync(idempotencyKey, paymentToken));
        }

        return response;

        static bool Flag(System.Text.Json.JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.True;

        static async Task<HttpResponseMessage> AfterAsync(TimeSpan delay, Func<Task<HttpResponseMessage>> call)
        {
            await Task.Delay(delay);
            return await call();
        }
    }

    public static async Task<OrderReceipt> ReceiptAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<OrderReceipt>())!;

    /// <summary>Signs in <paramref name="count"/> fresh buyers, each with one unit of <paramref name="productId"/> in the cart.</summary>
    public static async Task<HttpClient[]> BuyersWithOneInCartAsync(this ShopFixture shop, long productId, int count)
    {
        // Setting up hundreds of accounts is not what is under test: do it a few at a time.
        using var setup = new SemaphoreSlim(8);
        return await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            await setup.WaitAsync();
            try
            {
                var client = await shop.SignedInClientAsync();
                await client.AddToCartAsync(productId, 1);
                return client;
            }
            finally
            {
                setup.Release();
            }
        }));
    }

    /// <summary>Charges the sandbox recorded under an order's key (0 or 1).</summary>
    public static async Task<int> ChargesForOrderAsync(this ShopFixture shop, long orderId)
    {
        using var gateway = shop.Gateway();
        using var response = await gateway.GetAsync($"/v1/charges/by-key/order-{orderId}");
        return response.IsSuccessStatusCode ? 1 : 0;
    }
}
