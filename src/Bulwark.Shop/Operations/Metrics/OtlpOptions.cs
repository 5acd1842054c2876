namespace Bulwark.Shop.Operations.Metrics;

/// <summary>
/// Optional push of the same metrics to an OpenTelemetry collector (section <c>Otlp</c>). Off unless an
/// endpoint is configured here or through the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable.
/// </summary>
public sealed class OtlpOptions
{
    public const string Section = "Otlp";

    /// <summary>The collector, e.g. <c>http://collector:4317</c> (gRPC) or <c>http://collector:4318</c> (HTTP).</summary>
    public Uri? Endpoint { get; set; }

    /// <summary><c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    public string Protocol { get; set; } = "grpc";

    /// <summary>How often metrics are pushed.</summary>
    public TimeSpan ExportInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary><c>service.name</c> of the resource the metrics describe.</summary>
    public string ServiceName { get; set; } = "bulwark-shop";
}
