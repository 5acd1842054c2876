namespace Bulwark.Shop.Operations.Alerts;

/// <summary>
/// Section <c>Operations</c>: where the dashboard reads alert states. Alerting itself lives in Prometheus
/// (<c>deploy/prometheus/alerts.yml</c>); the shop only shows what Prometheus evaluated.
/// </summary>
public sealed class AlertingOptions
{
    public const string Section = "Operations";

    /// <summary>Prometheus' base address, e.g. <c>http://prometheus:9090</c>. Unset: the dashboard says alerting lives in Prometheus.</summary>
    public Uri? PrometheusUrl { get; set; }

    /// <summary>How often the rules' states are read from Prometheus (its evaluation interval is the useful floor).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one read may take before the dashboard reports Prometheus as unreachable.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
