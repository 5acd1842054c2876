namespace Bulwark.Guard.Limits;

/// <summary>
/// What one measurement window saw of the database: how long leases were held, how many ran at once,
/// and how many ended in an overload signal. Algorithms decide from whole windows rather than single
/// leases because one query's time says more about the query than about the database.
/// </summary>
/// <param name="At">When the window closed, measured from the gate's start (monotonic).</param>
/// <param name="Window">How long the window lasted.</param>
/// <param name="AverageRtt">Mean time a lease was held by the leases that ended in the window.</param>
/// <param name="MaxInFlight">The highest number of leases held at once during the window.</param>
/// <param name="Count">Leases that ended in the window.</param>
/// <param name="Dropped">Leases that ended in a timeout or an overload error (too many connections, connection loss).</param>
public readonly record struct LimitSample(
    TimeSpan At,
    TimeSpan Window,
    TimeSpan AverageRtt,
    int MaxInFlight,
    int Count,
    int Dropped)
{
    /// <summary>
    /// The same window split by class of work (the gate uses the priority: checkout's short writes,
    /// cart work and browse scans cost very differently). Under shedding the admitted mix shifts towards
    /// the cheap critical work, which lowers the overall average while the database is just as loaded,
    /// so algorithms that compare latencies compare each class with its own baseline. Empty when unknown.
    /// </summary>
    public IReadOnlyList<ClassLatency> Classes { get; init; } = [];

    /// <summary>True when the window held fewer leases than half the limit: latency then says nothing about more concurrency.</summary>
    public bool IsAppLimited(double limit) => MaxInFlight * 2 < limit;
}

/// <summary>Mean hold time and count of one class of work within a window.</summary>
public readonly record struct ClassLatency(int Class, TimeSpan AverageRtt, int Count);
