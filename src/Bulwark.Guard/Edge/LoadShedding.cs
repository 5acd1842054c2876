using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Edge;

/// <summary>
/// The edge's decision, kept pure so the simulation makes exactly the call the middleware makes: shed a
/// priority while the gate's queue delay for it exceeds that priority's target and the queue has stood
/// above the target for <see cref="GateSettings.ShedAfter"/>, or at once beyond ShedAfter's worth of
/// delay; tell the client to come back when the queue will have drained under the target. An idle gate
/// has no queue and so never sheds. The queue a request meets is the gate's or the CPU's, whichever is
/// longer: when the process cannot keep up (<see cref="ProcessingDelay"/>), work waits before it ever
/// reaches the gate, and every priority is held to its target the same way.
/// </summary>
public static class LoadShedding
{
    /// <summary>The shortest Retry-After worth sending; HTTP counts whole seconds.</summary>
    public static readonly TimeSpan MinimumRetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>How far above its target a priority's queue may go while it has not yet stood there for ShedAfter.</summary>
    public const int BurstFactor = 10;

    public static bool ShouldShed(IGatePressure gate, GateSettings settings, Priority priority, out TimeSpan retryAfter) =>
        ShouldShed(gate, settings, priority, TimeSpan.Zero, out retryAfter);

    /// <param name="gate">The connection queue.</param>
    /// <param name="settings">Targets and ShedAfter.</param>
    /// <param name="priority">The request's.</param>
    /// <param name="processingDelay">How late this process runs queued work (<see cref="ProcessingDelay"/>).</param>
    /// <param name="retryAfter">When coming back has a fair chance.</param>
    public static bool ShouldShed(IGatePressure gate, GateSettings settings, Priority priority, TimeSpan processingDelay, out TimeSpan retryAfter)
    {
        var target = settings.QueueDelayTargets.For(priority);
        var delay = Max(gate.EstimatedQueueDelay(priority), processingDelay);
        // A burst the gate can absorb may queue up to its allowance, which bounds the backlog a surge
        // builds before it is recognised; overload is held at the target (Facebook's adaptive queue
        // timeout, CoDel's interval). AbsorbingBurst is false as soon as a higher priority waits or this
        // one was shed lately: the delay estimate is least accurate exactly then, and the simulation's
        // admitted-p99 assertion fails if a surge keeps the allowance.
        var burst = BurstAllowance(settings, target);
        var limit = burst > target && gate.AbsorbingBurst(priority, target, settings.ShedAfter) ? burst : target;
        if (delay <= limit)
        {
            retryAfter = TimeSpan.Zero;
            return false;
        }

        retryAfter = Max(gate.EstimatedDrainTime(priority, target), processingDelay - target);
        return true;
    }

    /// <summary>
    /// For endpoints that usually answer from a cache (shed at the gate only on a miss): a hit costs no
    /// connection, but it costs CPU, so a CPU queue over the target sheds it here all the same.
    /// </summary>
    public static bool ShouldShedCached(GateSettings settings, Priority priority, TimeSpan processingDelay, out TimeSpan retryAfter)
    {
        var target = settings.QueueDelayTargets.For(priority);
        retryAfter = processingDelay - target;
        return processingDelay > Max(target, BurstAllowance(settings, target));
    }

    /// <summary>The delay a burst on a calm gate may reach: BurstFactor times the target, at most ShedAfter.</summary>
    private static TimeSpan BurstAllowance(GateSettings settings, TimeSpan target) =>
        TimeSpan.FromTicks(Math.Min(settings.ShedAfter.Ticks, target.Ticks * BurstFactor));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Whole seconds for a Retry-After header: rounded up, at least one.</summary>
    public static int RetryAfterSeconds(TimeSpan retryAfter) =>
        (int)Math.Max(MinimumRetryAfter.TotalSeconds, Math.Ceiling(retryAfter.TotalSeconds));
}
