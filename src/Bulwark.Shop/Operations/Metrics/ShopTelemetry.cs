using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bulwark.Shop.Operations.Metrics;

/// <summary>
/// The shop's own instruments. <c>bulwark.ready</c> is readiness as a metric: Prometheus' <c>up</c> only
/// says the process answered the scrape, not that it can serve, and a stopped database leaves it at 1.
/// </summary>
public sealed class ShopTelemetry : IHealthCheckPublisher, IDisposable
{
    /// <summary>The shop's own meter (readiness); the gate's instruments live in the guard's meter.</summary>
    public const string MeterName = "Bulwark.Shop";

    public const string ReadyInstrument = "bulwark.ready";

    private readonly Meter _meter;
    private volatile bool _ready;

    public ShopTelemetry(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableGauge(ReadyInstrument, () => Ready ? 1 : 0,
            description: "1 while the instance is ready to serve (database migrated and answering), 0 otherwise.");
    }

    /// <summary>The last readiness probe passed. False until the first probe has run.</summary>
    public bool Ready => _ready;

    /// <summary>Called by the health check publisher with the readiness checks' latest report.</summary>
    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        _ready = report.Status == HealthStatus.Healthy;
        return Task.CompletedTask;
    }

    public void Dispose() => _meter.Dispose();
}
