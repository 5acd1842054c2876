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
        builder.Services.AddHttpClient<PaymentGatewayClient>((services, http) =>
            {
                var baseUrl = services.GetRequiredService<IOptions<PaymentsOptions>>().Value.BaseUrl;
                http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
                // Each attempt carries its own timeout from the request's deadline; the client-wide one only bounds the worst case.
                http.Timeout = TimeSpan.FromSeconds(60);
            })
            // Breaker outside, timeout inside: a call that runs out of time counts as a failure. No retry
            // strategy on purpose: a charge whose outcome is unknown is only asked about again, by its key.
            .AddResilienceHandler("payment-gateway", (pipeline, context) =>
            {
                var budget = context.ServiceProvider.GetRequiredService<GatewayCallBudget>();
                pipeline
                    .AddCircuitBreaker(context.ServiceProvider.GetRequiredService<GatewayCircuit>().StrategyOptions())
                    .AddTimeout(new HttpTimeoutStrategyOptions { TimeoutGenerator = _ => ValueTask.FromResult(budget.ForAttempt()) });
            });
    }
}
