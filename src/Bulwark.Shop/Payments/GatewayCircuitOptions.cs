using System.ComponentModel.DataAnnotations;

namespace Bulwark.Shop.Payments;

/// <summary>
/// When checkout stops calling a failing gateway (section <c>Payments:CircuitBreaker</c>). A gateway call
/// fails by a 5xx/408/429 answer, a refused connection or running out of its time; declines do not count.
/// </summary>
public sealed class GatewayCircuitOptions
{
    /// <summary>Share of failed calls within <see cref="SamplingDuration"/> that opens the circuit.</summary>
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Calls needed within <see cref="SamplingDuration"/> before the ratio is trusted.</summary>
    [Range(2, 10_000)]
    public int MinimumThroughput { get; set; } = 10;

    /// <summary>The window over which the failure ratio is measured.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long checkout answers "payments unavailable" before one real checkout probes the gateway.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);
}
