using Bulwark.Guard.Edge;

namespace Bulwark.Guard.Deadlines;

/// <summary>
/// How much of a request's deadline the work inside this process may spend. The client's clock started before ours:
/// the request waited for this process's CPU before the edge ran, and its answer waits about as long again to be
/// written. Spending the whole deadline inside answered requests given up at the deadline tens of milliseconds after
/// it by the client's clock (lab bench, 5× the mix: 113 checkouts answered 503 later than the 2 s deadline).
/// </summary>
public static class DeadlineBudget
{
    /// <summary>Kept back whatever the CPU says: writing an answer and the network take a little even on an idle machine.</summary>
    public static readonly TimeSpan Reserve = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// <paramref name="deadline"/> less the CPU queue's smoothed delay twice (once before the edge, once for the answer)
    /// and <see cref="Reserve"/>; never less than half the deadline, so that a saturated CPU shortens work, not ends it.
    /// </summary>
    public static TimeSpan Within(TimeSpan deadline, CpuDelay cpu)
    {
        var budget = deadline - (2 * cpu.Smoothed) - Reserve;
        var floor = deadline / 2;
        return budget > floor ? budget : floor;
    }
}
