using System.Diagnostics;
using System.Net;
using System.Text;
using Bulwark.Lab.Sale;
using Bulwark.Lab.Shop;

namespace Bulwark.Lab.Tests.Sale;

public class SaleBuyerTests
{
    /// <summary>
    /// A shop without a waiting room that refuses the first cart update as busy and the first <paramref name="refusedCheckouts"/>
    /// checkouts as out of time, then sells.
    /// </summary>
    sealed class BusyShop(int refusedCheckouts) : HttpMessageHandler
    {
        int _carts, _checkouts;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var checkout = request.Method == HttpMethod.Post;
            var refuse = checkout ? Interlocked.Increment(ref _checkouts) <= refusedCheckouts : Interlocked.Increment(ref _carts) == 1;
            var answer = refuse
                ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
                {
                    Content = new StringContent($$"""{"title":"{{(checkout ? "Out of time" : "Busy")}}","status":503}""", Encoding.UTF8, "application/problem+json"),
                }
                : new HttpResponseMessage(checkout ? HttpStatusCode.Created : HttpStatusCode.OK)
                {
                    Content = new StringContent(checkout ? """{"orderId":"o-1","status":"paid"}""" : """{"lines":[]}""", Encoding.UTF8, "application/json"),
                };
            answer.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.Zero);
            return Task.FromResult(answer);
        }
    }

    [Fact]
    public async Task Every_checkout_answered_503_is_counted_past_the_refusals_kept_and_a_refused_cart_update_is_not()
    {
        var refused = SaleBuyerRecord.MaxRefusals + 3;
        using var http = new HttpClient(new BusyShop(refused)) { BaseAddress = new Uri("http://127.0.0.1:1") };
        var user = new VirtualUser("b@example.test", "pw", isBuyer: true) { Token = "t" };
        var exchanges = new SaleExchanges();
        // Aggressive, so each retry waits the bot's 100 ms rather than a polite buyer's second.
        var buyer = new SaleBuyer(new ShopApi(http, TimeSpan.FromSeconds(10)), user, 0, aggressive: true, useWaitingRoom: false, "s-1", "p-1",
            TimeProvider.System, Stopwatch.GetTimestamp(), TimeSpan.FromSeconds(2), exchanges);

        var record = await buyer.RunAsync(TimeSpan.Zero, DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);

        Assert.Equal(SaleEnd.Bought, record.End);
        Assert.Equal(refused, record.CheckoutsRefused);
        Assert.Equal(SaleBuyerRecord.MaxRefusals, record.Refusals?.Count);
        Assert.StartsWith("cart 503", record.Refusals![0].Split(' ', 2)[1]);
        Assert.Equal(refused, SaleFairness.CheckoutsRefused([record, record with { CheckoutsRefused = 0 }]));
    }
}
