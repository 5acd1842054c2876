using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Payments;

public static class PaymentsRegistration
{
    public static void AddPayments(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PaymentsOptions>().BindConfiguration(PaymentsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHttpClient<PaymentGatewayClient>((services, http) =>
        {
            var baseUrl = services.GetRequiredService<IOptions<PaymentsOptions>>().Value.BaseUrl;
            http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
            // Each attempt carries its own timeout from the request's deadline; the client-wide one only bounds the worst case.
            http.Timeout = TimeSpan.FromSeconds(60);
        });
    }
}
