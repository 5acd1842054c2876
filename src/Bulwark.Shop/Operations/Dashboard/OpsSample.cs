using System.Text.Json.Serialization;
using Bulwark.Shop.Operations.Metrics;

namespace Bulwark.Shop.Operations.Dashboard;

/// <summary>
/// One second of the shop as the dashboard draws it. Times are milliseconds, rates per second; null
/// means nothing was measured in that second (no request, no wait), which charts draw as a gap.
/// </summary>
public sealed record OpsSample(
    DateTimeOffset At,
    PoolSample Pool,
    PerPriority Waiters,
    double? WaitP99Ms,
    PerPriority Requests,
    PerPriority Shed,
    PerPriority Errors,
    double? LatencyP50Ms,
    double? LatencyP99Ms,
    bool Ready)
{
    /// <summary>Running totals the alert windows subtract; not drawn.</summary>
    [JsonIgnore]
    public AlertTotals Totals { get; init; } = AlertTotals.None;
}

/// <summary>
/// Connections: in use and idle (as the gate counts them), the gate's current adaptive limit, and the
/// ceiling (the pool's maximum) the limit may not pass.
/// </summary>
public sealed record PoolSample(double Used, double Idle, double? Limit, double? Ceiling)
{
    /// <summary>Used over limit, the ratio the pool-use alerts watch; null while there is no limit.</summary>
    [JsonIgnore]
    public double? Use => Limit is > 0 ? Used / Limit : null;
}

/// <summary>The running totals behind the windowed alerts (counter values, as Prometheus stores them).</summary>
public sealed record AlertTotals(double AcquireTimeouts, double CriticalRefused, double CheckoutRequests, double CheckoutErrors,
    HistogramTotals? CheckoutLatency)
{
    public static readonly AlertTotals None = new(0, 0, 0, 0, null);
}
