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
    bool PaymentsOpen,
    RoomsSample Rooms);

/// <summary>
/// Connections: in use and idle (as the gate counts them), the gate's current adaptive limit, and the
/// ceiling (the pool's maximum) the limit may not pass.
/// </summary>
public sealed record PoolSample(double Used, double Idle, double? Limit, double? Ceiling);

/// <summary>
/// The waiting rooms, summed over rooms: buyers in line, the rate the lines are let out at (the outflow the rooms
/// decided) and buyers actually let out per second (by this instance: the one that moves the frontiers counts them).
/// The outflow beside the line says whether a line is held back by its rate or has nobody left to let out.
/// </summary>
public sealed record RoomsSample(double Waiting, double Outflow, double? LetOutPerSecond);
