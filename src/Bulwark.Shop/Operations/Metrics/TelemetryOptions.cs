namespace Bulwark.Shop.Operations.Metrics;

/// <summary>
/// Section <c>Telemetry</c>. Where telemetry goes is the OpenTelemetry SDK's standard configuration
/// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_METRIC_EXPORT_INTERVAL</c>,
/// as environment variables or configuration keys); this only says what the shop records.
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>The configuration key the OpenTelemetry SDK reads the collector's address from.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Record traces (a span per request, per gate wait, per SQL statement, per gateway call). Default:
    /// on when an OTLP endpoint is configured, since spans with nowhere to go would only cost CPU.
    /// </summary>
    public bool? Tracing { get; set; }

    /// <summary><c>service.name</c> of the resource the telemetry describes.</summary>
    public string ServiceName { get; set; } = "bulwark-shop";

    public bool TracingEnabled(IConfiguration configuration) => Tracing ?? OtlpConfigured(configuration);

    public static bool OtlpConfigured(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]);
}
