using System.Net;
using System.Text;
using Bulwark.Lab.Load;
using Bulwark.Lab.Shop;

namespace Bulwark.Lab.Tests.Shop;

public class ShopActionsTests
{
    /// <summary>Answers each request after the delay its method asks for; the lab's timing is what is tested, not the shop.</summary>
    sealed class SlowAnswers(TimeSpan cartDelay, TimeSpan checkoutDelay) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var checkout = request.Method == HttpMethod.Post;
            await Task.Delay(checkout ? checkoutDelay : cartDelay, ct);
            var body = checkout ? """{"orderId":"o-1","status":"paid"}""" : """{"lines":[]}""";
            return new HttpResponseMessage(checkout ? HttpStatusCode.Created : HttpStatusCode.OK)
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
        }
    }

    [Fact]
    public async Task A_purchase_answers_with_its_checkout_but_remembers_its_slower_cart_update()
    {
        var buyer = new VirtualUser("b@example.test", "pw", isBuyer: true) { Token = "t", TokenRefreshAt = DateTimeOffset.UtcNow.AddHours(1) };
        var fixture = new ShopFixture(new Catalog([], [new CatalogProduct("p-1", null, 10)], []), new UserPool([buyer], []));
        using var http = new HttpClient(new SlowAnswers(TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(10))) { BaseAddress = new Uri("http://127.0.0.1:1") };
        var actions = new ShopActions(new ShopClients([new ShopApi(http, TimeSpan.FromSeconds(10))]), fixture, new PurchaseLedger(), TimeProvider.System);
        var answers = new List<ApiAnswer>();

        await actions.RunAsync(new PlannedAction(RequestClass.Checkout, ProductId: "p-1"), buyer, answers.Add, CancellationToken.None);

        var answer = Assert.Single(answers);
        Assert.Equal(HttpStatusCode.Created, answer.Status);
        Assert.True(answer.Took < TimeSpan.FromMilliseconds(400), $"the checkout alone took {answer.Took}");
        Assert.True(answer.SlowestExchange >= TimeSpan.FromMilliseconds(400), $"slowest exchange {answer.SlowestExchange}");
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
