namespace Bulwark.Shop.Operations.Alerts;

public static class AlertingRegistration
{
    public static void AddPrometheusAlerts(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AlertingOptions>()
            .BindConfiguration(AlertingOptions.Section)
            .Validate(alerting => alerting.PrometheusUrl is null
                    || (alerting.PrometheusUrl.IsAbsoluteUri && alerting.PrometheusUrl.Scheme is "http" or "https"),
                "Operations:PrometheusUrl must be an absolute http(s) address such as http://prometheus:9090.")
            .Validate(alerting => alerting.RefreshInterval >= TimeSpan.FromSeconds(1), "Operations:RefreshInterval must be at least 1 second.")
            .Validate(alerting => alerting.RequestTimeout > TimeSpan.Zero, "Operations:RequestTimeout must be positive.")
            .PostConfigure(alerting =>
            {
                // Relative paths resolve against the base only when it ends in a slash (Prometheus behind a prefix).
                if (alerting.PrometheusUrl is { IsAbsoluteUri: true } url && !url.AbsolutePath.EndsWith('/'))
                {
                    alerting.PrometheusUrl = new Uri(url.AbsoluteUri + "/");
                }
            })
            .ValidateOnStart();
        builder.Services.AddHttpClient(nameof(PrometheusAlertSource));
        // One long-lived reader (a hosted service), so its client comes from the factory once, by name.
        builder.Services.AddSingleton(services => ActivatorUtilities.CreateInstance<PrometheusAlertSource>(services,
            services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(PrometheusAlertSource))));
        builder.Services.AddHostedService(services => services.GetRequiredService<PrometheusAlertSource>());
    }
}
