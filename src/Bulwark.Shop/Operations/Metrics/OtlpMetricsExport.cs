using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Bulwark.Shop.Operations.Metrics;

/// <summary>
/// Pushes the meters of <see cref="MetricSources"/> to an OTLP collector while the shop runs. The SDK's
/// meter provider is built at start and shut down at stop, so the last interval is flushed on the way out.
/// </summary>
public sealed class OtlpMetricsExport(IOptions<OtlpOptions> options, ILogger<OtlpMetricsExport> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan ShutdownBudget = TimeSpan.FromSeconds(2);

    private MeterProvider? _provider;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.Endpoint is not { } endpoint)
        {
            return Task.CompletedTask;
        }

        var protocol = ParseProtocol(settings.Protocol);
        var target = ExporterEndpoint(endpoint, protocol);
        _provider = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService(settings.ServiceName))
            .AddMeter([.. MetricSources.MeterNames])
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = target;
                exporter.Protocol = protocol;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)settings.ExportInterval.TotalMilliseconds;
            })
            .Build();
        logger.LogInformation("Exporting metrics over OTLP ({Protocol}) to {Endpoint} every {Interval}", settings.Protocol, target, settings.ExportInterval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _provider?.Shutdown((int)ShutdownBudget.TotalMilliseconds);
        return Task.CompletedTask;
    }

    public void Dispose() => _provider?.Dispose();

    public static OtlpExportProtocol ParseProtocol(string protocol) => protocol switch
    {
        "grpc" => OtlpExportProtocol.Grpc,
        "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
        _ => throw new OptionsValidationException(OtlpOptions.Section, typeof(OtlpOptions),
            [$"Otlp:Protocol must be 'grpc' or 'http/protobuf', not '{protocol}'."]),
    };

    /// <summary>
    /// With HTTP the SDK posts to an endpoint given in code exactly as given; a collector's base address
    /// (as the standard environment variable holds it) needs the signal path added.
    /// </summary>
    public static Uri ExporterEndpoint(Uri endpoint, OtlpExportProtocol protocol) =>
        protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath.TrimEnd('/').Length == 0
            ? new Uri(endpoint, "/v1/metrics")
            : endpoint;
}
