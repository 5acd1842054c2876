using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Edge;

/// <summary>
/// The edge's decision, kept pure so the simulation makes exactly the call the middleware makes: shed a
/// priority while the gate's queue delay for it exceeds that priority's target and the queue has stood
/// above the target for <see cref="GateSettings.ShedAfter"/>, or at once beyond ShedAfter's worth of
/// delay; tell the client to come back when the queue will have drained under the target. An idle gate
/// has no queue and so never sheds. A request meets two queues, and either sheds it: the gate's, and the
/// CPU's — when the process cannot keep up (<see cref="ProcessingDelay"/>), work waits before it ever
/// reaches the gate, and there every priority is held to its processing-delay target (stricter: see CpuOver).
/// </summary>
public static class LoadShedding
{
    /// <summary>The shortest Retry-After worth sending; HTTP counts whole seconds.</summary>
    public static readonly TimeSpan MinimumRetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>How far above its target a priority's queue may go while it has not yet stood there for ShedAfter.</summary>
    public const int BurstFactor = 10;

    public static bool ShouldShed(IGatePressure gate, GateSettings settings, Priority priority, out TimeSpan retryAfter) =>
        ShouldShed(gate, settings, priority, CpuDelay.None, out retryAfter);

    /// <summary>
    /// Work queued at <paramref name="priority"/> held to the queue-delay target of <paramref name="judgedBy"/>: lower-priority
    /// work inside a request the edge admitted at a higher priority may wait as long as that request could, not longer.
    /// </summary>
    public static bool ShouldShed(IGatePressure gate, GateSettings settings, Priority priority, Priority judgedBy, out TimeSpan retryAfter)
    {
        var target = settings.QueueDelayTargets.For(judgedBy);
        if (!GateOver(gate, settings, priority, target))
        {
            retryAfter = TimeSpan.Zero;
            return false;
        }

        retryAfter = gate.EstimatedDrainTime(priority, target);
        return true;
    }

    /// <param name="gate">The connection queue.</param>
    /// <param name="settings">Targets and ShedAfter.</param>
    /// <param name="priority">The request's.</param>
    /// <param name="cpu">How late this process runs queued work (<see cref="ProcessingDelay"/>).</param>
    /// <param name="retryAfter">When coming back has a fair chance.</param>
    public static bool ShouldShed(IGatePressure gate, GateSettings settings, Priority priority, CpuDelay cpu, out TimeSpan retryAfter)
    {
        var target = settings.QueueDelayTargets.For(priority);
        var gateOver = GateOver(gate, settings, priority, target);
        var cpuOver = CpuOver(settings, priority, cpu, out var cpuWait);
        if (!gateOver && !cpuOver)
        {
            retryAfter = TimeSpan.Zero;
            return false;
        }

        retryAfter = Max(gateOver ? gate.EstimatedDrainTime(priority, target) : TimeSpan.Zero, cpuWait);
        return true;
    }

    /// <summary>
    /// Whether the gate's queue delay for <paramref name="priority"/> is over <paramref name="target"/>. A burst the gate can
    /// absorb may queue up to its allowance, which bounds the backlog a surge builds before it is recognised; overload is
    /// held at the target (Facebook's adaptive queue timeout, CoDel's interval). AbsorbingBurst is false as soon as a
    /// higher priority waits or this one was shed lately: the delay estimate is least accurate exactly then, and the
    /// simulation's admitted-p99 assertion fails if a surge keeps the allowance.
    /// </summary>
    private static bool GateOver(IGatePressure gate, GateSettings settings, Priority priority, TimeSpan target)
    {
        var burst = BurstAllowance(settings, target);
        var limit = burst > target && gate.AbsorbingBurst(priority, target, settings.ShedAfter) ? burst : target;
        return gate.EstimatedQueueDelay(priority) > limit;
    }

    /// <summary>
    /// For endpoints that usually answer from a cache (shed at the gate only on a miss): a hit costs no
    /// connection, but it costs CPU, so a CPU queue over the target sheds it here all the same.
    /// </summary>
    public static bool ShouldShedCached(GateSettings settings, Priority priority, CpuDelay cpu, out TimeSpan retryAfter) =>
        CpuOver(settings, priority, cpu, out retryAfter);

    /// <summary>
    /// The CPU's own queue, judged apart from the gate's and more strictly: a request meets it at every step (each
    /// await resumes on a thread, each query needs PostgreSQL's backend scheduled), so a lateness the gate's target
    /// would allow once is paid many times over. Shed once the standing delay (the floor of the last 100 ms) exceeds
    /// the priority's processing-delay target, or the smoothed delay exceeds that target's burst allowance. Before,
    /// the CPU shared the gate's targets and its burst allowance: with the connections calm (PostgreSQL starved of
    /// CPU, not of connections) critical work was admitted up to 100 ms of CPU lateness per step, and at 5× load
    /// the admitted requests' p99 was 546 ms (lab bench, 2026-12-02).
    /// </summary>
    private static bool CpuOver(GateSettings settings, Priority priority, CpuDelay cpu, out TimeSpan retryAfter)
    {
        var target = settings.ProcessingDelayTargets.For(priority);
        retryAfter = cpu.Smoothed - target;
        return cpu.Standing > target || cpu.Smoothed > Max(target, BurstAllowance(settings, target));
    }

    /// <summary>The delay a burst on a calm gate may reach: BurstFactor times the target, at most ShedAfter.</summary>
    private static TimeSpan BurstAllowance(GateSettings settings, TimeSpan target) =>
        TimeSpan.FromTicks(Math.Min(settings.ShedAfter.Ticks, target.Ticks * BurstFactor));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Whole seconds for a Retry-After header: rounded up, at least one.</summary>
    public static int RetryAfterSeconds(TimeSpan retryAfter) =>
        (int)Math.Max(MinimumRetryAfter.TotalSeconds, Math.Ceiling(retryAfter.TotalSeconds));
}
