using System.Diagnostics.Metrics;
using Bulwark.Guard.Edge;
using Bulwark.Guard.Telemetry;
using Bulwark.Shop.Operations.Dashboard;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Bulwark.Shop.Operations.Metrics;

/// <summary>
/// Metrics and traces through the OpenTelemetry SDK: <c>/metrics</c> is its Prometheus exporter, OTLP
/// its exporter when an endpoint is configured, and the dashboard reads the same aggregation.
/// </summary>
public static class TelemetryRegistration
{
    /// <summary>
    /// How often readiness is probed for <c>bulwark.ready</c> and the dashboard: twice per 5 s scrape, so a
    /// fresh instance does not show "not ready" for long after it became ready (one SELECT 1 per probe).
    /// </summary>
    private static readonly TimeSpan ReadinessPeriod = TimeSpan.FromSeconds(2);

    public static void AddShopTelemetry(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(TelemetryOptions.Section);
        var options = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        builder.Services.AddOptions<TelemetryOptions>().Bind(section)
            .Validate(_ => !builder.Configuration.GetSection("Otlp").Exists(),
                "The Otlp section is no longer read: set OTEL_EXPORTER_OTLP_ENDPOINT (and OTEL_EXPORTER_OTLP_PROTOCOL, "
                + "OTEL_METRIC_EXPORT_INTERVAL in milliseconds) instead, as an environment variable or configuration key.")
            .Validate(telemetry => !string.IsNullOrWhiteSpace(telemetry.ServiceName), "Telemetry:ServiceName must not be empty.")
            .ValidateOnStart();

        builder.Services.AddSingleton<ShopTelemetry>();
        builder.Services.AddSingleton<IHealthCheckPublisher>(services => services.GetRequiredService<ShopTelemetry>());
        builder.Services.Configure<HealthCheckPublisherOptions>(publisher =>
        {
            publisher.Delay = TimeSpan.Zero;
            publisher.Period = ReadinessPeriod;
            publisher.Predicate = check => check.Tags.Contains("ready");
        });
        builder.Services.AddSingleton<DashboardMetrics>();

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName))
            .WithMetrics(metrics => metrics
                .AddMeter(GateMetrics.MeterName, ShopTelemetry.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                // The lab and the dashboard read once a second; a cached answer would be up to 300 ms old.
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0)
                .AddReader(services => services.GetRequiredService<DashboardMetrics>().Reader));
        builder.Services.ConfigureOpenTelemetryMeterProvider((services, metrics) =>
            metrics.AddView(Views(services.GetRequiredService<IMeterFactory>())));

        if (options.TracingEnabled(builder.Configuration))
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(GateTracing.SourceName)
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !IsScrape(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql());
        }

        if (TelemetryOptions.OtlpConfigured(builder.Configuration))
        {
            telemetry.UseOtlpExporter();
        }
    }

    public static void MapMetricsApi(this WebApplication app) =>
        // Scrapes every second would drown the request metrics they read, so they are not measured.
        app.MapPrometheusScrapingEndpoint(MetricsPath).DisableHttpMetrics().WithoutAdmission().WithTags("Operations");

    private const string MetricsPath = "/metrics";

    private static bool IsScrape(PathString path) => path.StartsWithSegments(MetricsPath, StringComparison.Ordinal);

    /// <summary>
    /// Request durations' bucket bounds (seconds): ASP.NET Core's own, plus the thresholds this shop is judged by, so
    /// that a quantile read from the buckets (the dashboard's, <c>histogram_quantile</c> in the alerts) is exact there
    /// rather than interpolated across them — 0.2 s, the checkout latency alert's threshold, and 2 s, the default
    /// deadline (<c>Guard:Deadlines</c>), which otherwise sat inside the 1–2.5 s bucket: a sale's answers of 1.1 s
    /// read as a p99 of 2.3 s on /ops.
    /// </summary>
    public static readonly double[] RequestDurationBounds =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 5, 7.5, 10];

    /// <summary>
    /// Meters are process-wide: several shops in one process (the tests run them side by side) would see
    /// each other's. A meter made by another host's factory is dropped; static meters (Npgsql's) are shared.
    /// Request durations get <see cref="RequestDurationBounds"/>.
    /// </summary>
    private static Func<Instrument, MetricStreamConfiguration> Views(IMeterFactory factory) =>
        instrument => instrument.Meter.Scope is not null && !ReferenceEquals(instrument.Meter.Scope, factory)
            ? MetricStreamConfiguration.Drop
            : instrument.Name == OpsInstruments.RequestDuration
                ? new ExplicitBucketHistogramConfiguration { Boundaries = RequestDurationBounds }
                : null!; // null: no view of ours applies, the instrument streams as configured.
}
