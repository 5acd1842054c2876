using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Edge;

/// <summary>
/// The edge's decision, kept pure so the simulation makes exactly the call the middleware makes: shed a
/// priority while the gate's queue delay for it exceeds that priority's target, and tell the client to
/// come back when the queue will have drained under the target.
/// </summary>
public static class LoadShedding
{
    /// <summary>The shortest Retry-After worth sending; HTTP counts whole seconds.</summary>
    public static readonly TimeSpan MinimumRetryAfter = TimeSpan.FromSeconds(1);

    public static bool ShouldShed(IGatePressure gate, GateSettings settings, Priority priority, out TimeSpan retryAfter)
    {
        var target = settings.QueueDelayTargets.For(priority);
        if (gate.EstimatedQueueDelay(priority) <= target)
        {
            retryAfter = TimeSpan.Zero;
            return false;
        }

        retryAfter = gate.EstimatedDrainTime(priority, target);
        return true;
    }

    /// <summary>Whole seconds for a Retry-After header: rounded up, at least one.</summary>
    public static int RetryAfterSeconds(TimeSpan retryAfter) =>
        (int)Math.Max(MinimumRetryAfter.TotalSeconds, Math.Ceiling(retryAfter.TotalSeconds));
}
