using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.WaitingRoom;

/// <summary>Two instances on one database keep one line per room: one order, tickets and admissions good on either.</summary>
[Collection(WaitingRoomCollection.Name)]
public sealed class WaitingRoomInstancesTests(WaitingRoomFixture shop)
{
    [Fact]
    public async Task Two_instances_hand_out_one_order_and_honour_each_others_tickets_and_admissions()
    {
        var second = await shop.StartInstanceAsync();
        try
        {
            var secondAddress = new Uri(second.Urls.First());
            var (saleId, productId) = await shop.UpcomingSaleAsync(stock: 20);
            var buyers = await shop.BuyersAsync(6);
            // The same bearer tokens work on both instances; alternate between them as a load balancer would.
            var tickets = new List<(HttpClient Here, HttpClient There, string Ticket, long Position)>();
            for (var i = 0; i < buyers.Length; i++)
            {
                var there = ShopFixture.ClientFor(secondAddress, buyers[i].DefaultRequestHeaders.Authorization!.Parameter);
                var (joinOn, pollOn) = i % 2 == 0 ? (buyers[i], there) : (there, buyers[i]);
                using var response = await joinOn.PostAsJsonAsync("/api/waiting-room", new { saleId });
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                tickets.Add((joinOn, pollOn, body.GetProperty("ticket").GetString()!, body.GetProperty("position").GetInt64()));
            }

            Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], tickets.Select(t => t.Position));

            // Each ticket is read on the instance that did not issue it, once that instance's tick has read the room.
            await Task.Delay(TimeSpan.FromSeconds(1));
            foreach (var (_, there, ticket, position) in tickets)
            {
                var polled = await there.GetFromJsonAsync<JsonElement>($"/api/waiting-room/{ticket}");
                Assert.Equal(position, polled.GetProperty("position").GetInt64());
            }

            shop.Sales.Open(saleId);
            var last = tickets[^1];
            JsonElement turn;
            do
            {
                await Task.Delay(200);
                turn = await last.There.GetFromJsonAsync<JsonElement>($"/api/waiting-room/{last.Ticket}");
            }
            while (!turn.TryGetProperty("admitted", out _));

            // The admission came from one instance; the checkout goes to the other.
            await last.Here.AddToCartAsync(productId, 1);
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/checkout") { Content = JsonContent.Create(new { paymentToken = "tok_visa" }) };
            request.Headers.Add("Idempotency-Key", "across-instances");
            request.Headers.Add("Admission", turn.GetProperty("admission").GetString());
            using var bought = await last.Here.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, bought.StatusCode);
        }
        finally
        {
            await ShopFixture.StopAsync(second, cluster: null);
        }
    }
}
