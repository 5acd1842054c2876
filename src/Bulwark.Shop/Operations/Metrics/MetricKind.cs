namespace Bulwark.Shop.Operations.Metrics;

/// <summary>What an instrument becomes in Prometheus terms (the OpenTelemetry data model mapping).</summary>
public enum MetricKind
{
    /// <summary>A monotonic sum: <c>Counter</c> and <c>ObservableCounter</c>.</summary>
    Counter,

    /// <summary>A value that goes up and down: gauges, and up-down counters (non-monotonic sums).</summary>
    Gauge,

    /// <summary>A distribution over explicit bucket boundaries.</summary>
    Histogram,
}
