using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Shop.WaitingRoom;

namespace Bulwark.Shop.Tests.WaitingRoom;

/// <summary>A buyer's steps through a waiting room over HTTP: join, poll, and check out with an admission.</summary>
public static class RoomSteps
{
    public static async Task<JsonElement> JoinAsync(HttpClient buyer, long? saleId)
    {
        using var response = await buyer.PostAsJsonAsync("/api/waiting-room", saleId is null ? new { } : (object)new { saleId });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"join answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <param name="wait">Seconds to ask the shop to hold the poll for a change (<c>Prefer: wait</c>); none by default.</param>
    public static async Task<JsonElement> PollAsync(HttpClient buyer, string ticket, int? wait = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/waiting-room/{ticket}");
        if (wait is { } seconds)
        {
            request.Headers.Add("Prefer", $"wait={seconds}");
        }

        using var response = await buyer.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"poll answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static Task<HttpResponseMessage> CheckoutWithAsync(HttpClient buyer, string idempotencyKey, string admission)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/checkout") { Content = JsonContent.Create(new { paymentToken = "tok_visa" }) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        request.Headers.Add(CheckoutAdmission.Header, admission);
        return buyer.SendAsync(request);
    }
}
