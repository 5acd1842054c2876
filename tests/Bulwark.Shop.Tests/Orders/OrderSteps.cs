using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.Orders;

/// <summary>What the order lifecycle tests do over and over: an admin, a paid order, the gateway's refunds of it.</summary>
public static class OrderSteps
{
    /// <summary>A fresh account given the admin role in the database before it signs in (the role is read at sign-in).</summary>
    public static async Task<HttpClient> AdminClientAsync(this ShopFixture shop)
    {
        var email = $"admin-{Guid.NewGuid():N}@example.com";
        using var anonymous = shop.Client();
        await anonymous.RegisterAsync(email);
        await shop.ExecuteAsync("UPDATE users SET roles = '{admin}' WHERE email = $1", email);
        return shop.Client(await anonymous.SignInAsync(email));
    }

    /// <summary>Buys <paramref name="quantity"/> units of a product and answers the paid order's id.</summary>
    public static async Task<long> PaidOrderAsync(this HttpClient buyer, long productId, int quantity = 1)
    {
        await buyer.AddToCartAsync(productId, quantity);
        using var response = await buyer.CheckoutAsync(Guid.NewGuid().ToString("N"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReceiptAsync()).OrderId;
    }

    public static Task<HttpResponseMessage> RefundAsync(this HttpClient admin, long orderId, string reason = "damaged in transit") =>
        admin.PostAsJsonAsync($"/api/admin/orders/{orderId}/refund", new { reason });

    public static Task<HttpResponseMessage> CancelAsync(this HttpClient buyer, long orderId) =>
        buyer.PostAsync($"/api/orders/{orderId}/cancel", null);

    public static Task<string> StatusAsync(this ShopFixture shop, long orderId) =>
        shop.ScalarAsync<string>("SELECT status FROM orders WHERE id = $1", orderId);

    /// <summary>The refunds the gateway made of an order's charge: how many, and how much in all.</summary>
    public static async Task<(int Count, long AmountCents)> GatewayRefundsAsync(this ShopFixture shop, long orderId)
    {
        var chargeId = await shop.ScalarAsync<string>("SELECT payment_id FROM orders WHERE id = $1", orderId);
        using var gateway = shop.Gateway();
        var refunds = await gateway.GetFromJsonAsync<JsonElement>($"/v1/refunds?chargeId={Uri.EscapeDataString(chargeId)}");
        return (refunds.GetProperty("count").GetInt32(), refunds.GetProperty("amountCents").GetInt64());
    }

    /// <summary>Runs <paramref name="test"/> with the shared gateway faulted as <paramref name="profile"/>, and clears the faults after.</summary>
    public static async Task WithGatewayFaultsAsync(this ShopFixture shop, object profile, Func<Task> test)
    {
        using var gateway = shop.Gateway();
        (await gateway.PostAsJsonAsync("/v1/faults", profile)).EnsureSuccessStatusCode();
        try
        {
            await test();
        }
        finally
        {
            (await gateway.DeleteAsync("/v1/faults")).EnsureSuccessStatusCode();
        }
    }

    public static async Task<string> OrderStatusOfAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString()!;
}
