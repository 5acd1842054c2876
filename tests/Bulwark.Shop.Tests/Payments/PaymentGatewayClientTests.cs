using Bulwark.Guard.Deadlines;
using Bulwark.Shop.Payments;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace Bulwark.Shop.Tests.Payments;

public sealed class PaymentGatewayClientTests
{
    [Fact]
    public async Task A_charge_whose_timeout_fires_as_the_request_deadline_passes_is_unknown_not_an_error()
    {
        // Found by lab chaos: the pipeline's timeout and the request's deadline fire together on a starved
        // CPU; the timeout's exception escaped (the caller's token was already cancelled) and became a 500.
        using var caller = new CancellationTokenSource();
        using var http = new HttpClient(new TimesOutAfterTheCallerGaveUp(caller)) { BaseAddress = new Uri("http://gateway.invalid/") };
        var client = new PaymentGatewayClient(http, new NoLookups(), new GatewayCallBudget(Options.Create(new PaymentsOptions()), TimeProvider.System),
            NullLogger<PaymentGatewayClient>.Instance);
        using var deadline = RequestDeadline.Set(DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2));

        var outcome = await client.ChargeAsync(new ChargeRequest(1000, "USD", "tok_visa", "order-1"), caller.Token);

        Assert.Equal(PaymentResult.Unknown, outcome.Result);
    }

    private sealed class NoLookups : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => throw new NotSupportedException("a charge makes no lookup");
    }

    private sealed class TimesOutAfterTheCallerGaveUp(CancellationTokenSource caller) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await caller.CancelAsync();
            throw new TimeoutRejectedException(TimeSpan.FromSeconds(1.75));
        }
    }
}
