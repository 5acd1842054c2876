using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Operations.Metrics;

public static class MetricsApi
{
    /// <summary>
    /// How often readiness is probed for <c>bulwark.ready</c> and the dashboard: twice per 5 s scrape, so a
    /// fresh instance does not show "not ready" for long after it became ready (one SELECT 1 per probe).
    /// </summary>
    private static readonly TimeSpan ReadinessPeriod = TimeSpan.FromSeconds(2);

    public static void AddShopMetrics(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(services => new MetricCollector(MetricSources.MeterNames, services.GetRequiredService<IMeterFactory>()));
        builder.Services.AddSingleton<ShopTelemetry>();
        builder.Services.AddSingleton<IHealthCheckPublisher>(services => services.GetRequiredService<ShopTelemetry>());
        builder.Services.Configure<HealthCheckPublisherOptions>(publisher =>
        {
            publisher.Delay = TimeSpan.Zero;
            publisher.Period = ReadinessPeriod;
            publisher.Predicate = check => check.Tags.Contains("ready");
        });

        builder.Services.AddOptions<OtlpOptions>()
            .BindConfiguration(OtlpOptions.Section)
            .PostConfigure<IConfiguration>((otlp, configuration) =>
            {
                // The standard OpenTelemetry variables work too, as every OpenTelemetry SDK honours them.
                if (otlp.Endpoint is null && Uri.TryCreate(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"], UriKind.Absolute, out var endpoint))
                {
                    otlp.Endpoint = endpoint;
                    otlp.Protocol = configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] ?? otlp.Protocol;
                }
            })
            .Validate(otlp => otlp.Protocol is "grpc" or "http/protobuf", "Otlp:Protocol must be 'grpc' or 'http/protobuf'.")
            .Validate(otlp => otlp.ExportInterval >= TimeSpan.FromSeconds(1), "Otlp:ExportInterval must be at least 1 second.")
            .ValidateOnStart();
        builder.Services.AddHostedService<OtlpMetricsExport>();
    }

    public static void MapMetricsApi(this WebApplication app) =>
        // Scrapes every few seconds would drown the request metrics they read, so they are not measured.
        app.MapGet("/metrics", Scrape).DisableHttpMetrics().WithTags("Operations")
            .WithSummary("Prometheus scrape (text exposition format)").Produces<string>(StatusCodes.Status200OK, "text/plain");

    private static ContentHttpResult Scrape(MetricCollector collector) =>
        TypedResults.Text(PrometheusTextWriter.Write(collector.Collect()), PrometheusTextWriter.ContentType);
}
