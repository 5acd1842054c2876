using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Bulwark.Shop.Payments;

public static class PaymentsRegistration
{
    public static void AddPayments(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PaymentsOptions>().BindConfiguration(PaymentsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<GatewayCallBudget>();
        builder.Services.AddSingleton<GatewayCircuit>();
        // Charges and refunds: breaker outside, timeout inside, so a call that runs out of time counts as a
        // failure. No retry strategy on purpose: a payment whose outcome is unknown is only asked about again,
        // by its key.
        builder.Services.AddHttpClient<PaymentGatewayClient>(ConfigureGateway)
            .AddResilienceHandler("payment-gateway", (pipeline, context) =>
            {
                var services = context.ServiceProvider;
                pipeline
                    .AddCircuitBreaker(services.GetRequiredService<GatewayCircuit>().StrategyOptions())
                    .AddTimeout(AttemptTimeout(services));
            });
        // Lookups by key (the reconciler's) have a client of their own without the breaker: a gateway whose
        // charges fail while its lookups still answer must open the circuit, and lookups that succeed would
        // otherwise dilute the failure ratio below the threshold (found by lab chaos).
        builder.Services.AddHttpClient(PaymentGatewayClient.LookupClient, ConfigureGateway)
            .AddResilienceHandler("payment-gateway-lookups", (pipeline, context) => pipeline.AddTimeout(AttemptTimeout(context.ServiceProvider)));
    }

    private static void ConfigureGateway(IServiceProvider services, HttpClient http)
    {
        var baseUrl = services.GetRequiredService<IOptions<PaymentsOptions>>().Value.BaseUrl;
        http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
        // Each attempt carries its own timeout from the request's deadline; the client-wide one only bounds the worst case.
        http.Timeout = TimeSpan.FromSeconds(60);
    }

    private static HttpTimeoutStrategyOptions AttemptTimeout(IServiceProvider services)
    {
        var budget = services.GetRequiredService<GatewayCallBudget>();
        return new HttpTimeoutStrategyOptions { TimeoutGenerator = _ => ValueTask.FromResult(budget.ForAttempt()) };
    }
}
