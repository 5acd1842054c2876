namespace Bulwark.Shop.Operations.Dashboard;

/// <summary>
/// One second of the shop as the dashboard draws it. Times are milliseconds, rates per second; null
/// means nothing was measured in that second (no request, no wait), which charts draw as a gap.
/// <see cref="PaymentsOpen"/>: the payment gateway's circuit is open, so checkouts are refused.
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
    bool Ready,
    bool PaymentsOpen);

/// <summary>
/// Connections: in use and idle (as the gate counts them), the gate's current adaptive limit, and the
/// ceiling (the pool's maximum) the limit may not pass.
/// </summary>
public sealed record PoolSample(double Used, double Idle, double? Limit, double? Ceiling);
