using System.Net.Http.Json;
using Bulwark.Shop.Checkout;

namespace Bulwark.Shop.Tests.Infrastructure;

public static class CheckoutSteps
{
    public static async Task AddToCartAsync(this HttpClient client, long productId, int quantity) =>
        (await client.PutAsJsonAsync($"/api/cart/items/{productId}", new { quantity })).EnsureSuccessStatusCode();

    public static Task<HttpResponseMessage> CheckoutAsync(this HttpClient client, string? idempotencyKey, string paymentToken = "tok_visa")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/checkout") { Content = JsonContent.Create(new { paymentToken }) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return client.SendAsync(request);
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
