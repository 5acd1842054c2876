using System.Net;
using System.Text;
using Bulwark.Lab.Load;
using Bulwark.Lab.Shop;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Lab.Tests.Shop;

public class ShopActionsTests
{
    /// <summary>
    /// Answers each request after the time its method asks for has passed on a stepped clock; the lab's timing is what
    /// is tested, not the shop — nor how busy the machine running the test is.
    /// </summary>
    sealed class SlowAnswers(FakeTimeProvider clock, TimeSpan cartDelay, TimeSpan checkoutDelay) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var checkout = request.Method == HttpMethod.Post;
            clock.Advance(checkout ? checkoutDelay : cartDelay);
            var body = checkout ? """{"orderId":"o-1","status":"paid"}""" : """{"lines":[]}""";
            return Task.FromResult(new HttpResponseMessage(checkout ? HttpStatusCode.Created : HttpStatusCode.OK)
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            });
        }
    }

    [Fact]
    public async Task A_purchase_answers_with_its_checkout_but_remembers_its_slower_cart_update()
    {
        var buyer = new VirtualUser("b@example.test", "pw", isBuyer: true) { Token = "t", TokenRefreshAt = DateTimeOffset.UtcNow.AddHours(1) };
        var fixture = new ShopFixture(new Catalog([], [new CatalogProduct("p-1", null, 10)], []), new UserPool([buyer], []));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var http = new HttpClient(new SlowAnswers(clock, TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(10))) { BaseAddress = new Uri("http://127.0.0.1:1") };
        var actions = new ShopActions(new ShopClients([new ShopApi(http, TimeSpan.FromSeconds(10), clock)]), fixture, new PurchaseLedger(), clock);
        var answers = new List<ApiAnswer>();

        await actions.RunAsync(new PlannedAction(RequestClass.Checkout, ProductId: "p-1"), buyer, answers.Add, CancellationToken.None);

        var answer = Assert.Single(answers);
        Assert.Equal(HttpStatusCode.Created, answer.Status);
        Assert.Equal(TimeSpan.FromMilliseconds(10), answer.Took);
        Assert.Equal(TimeSpan.FromMilliseconds(400), answer.SlowestExchange);
    }

    [Fact]
    public void An_answer_after_a_slower_one_keeps_the_slower_time_and_after_a_faster_one_its_own()
    {
        var slow = new ApiAnswer(HttpStatusCode.OK, "", false, null) { Took = TimeSpan.FromSeconds(3) };
        var fast = new ApiAnswer(HttpStatusCode.Created, "", false, null) { Took = TimeSpan.FromSeconds(1) };

        Assert.Equal(TimeSpan.FromSeconds(3), fast.After(slow).SlowestExchange);
        Assert.Equal(TimeSpan.FromSeconds(1), fast.After(slow).Took);
        Assert.Equal(TimeSpan.FromSeconds(3), slow.After(fast).SlowestExchange);
        Assert.Equal(TimeSpan.FromSeconds(1), fast.After(null).SlowestExchange);
    }
}
