using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Edge;

/// <summary>
/// Whether CPU-bound work of one priority should yield the processor now: the CPUs are short — busy nearly all the
/// time by <c>/proc/stat</c> (<see cref="CpuSaturation"/>, PostgreSQL on the same cores included), or the thread
/// pool's queue standing where the edge starts shedding browsing (<see cref="ProcessingDelay"/>) — <em>and</em>
/// requests that matter more are being served. Both, because either alone paced work that harmed nobody: a wave of
/// sign-ups keeps a core busy by itself, and on a machine that other processes keep busy (a CI runner) an idle shop
/// saw its sign-ups refused. In the lab's incident 3 it is checkouts, waiting behind sign-ins for the one core, that
/// the share protects.
/// </summary>
public sealed class CpuContention(CpuSaturation cpu, ProcessingDelay queue, RequestsInFlight requests, IGateControl gate)
{
    /// <param name="priority">The priority of the work asking.</param>
    /// <param name="busyAbove">Share of the time the CPUs must be busy to count as short (0–1).</param>
    public bool ShortFor(Priority priority, double busyAbove) =>
        requests.MoreImportantThan(priority) > 0
        && (cpu.AtLeast(busyAbove) || queue.Standing >= gate.Settings.ProcessingDelayTargets.For(Priority.Sheddable));
}
