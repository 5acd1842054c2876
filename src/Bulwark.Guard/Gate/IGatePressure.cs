namespace Bulwark.Guard.Gate;

/// <summary>
/// What the edge reads from the gate to shed load before any work starts, and where it records the
/// refusals it makes so that one set of counts describes all admission decisions.
/// </summary>
public interface IGatePressure
{
    /// <summary>How long work of this priority arriving now would queue for a database slot.</summary>
    TimeSpan EstimatedQueueDelay(Priority priority);

    /// <summary>Until that delay falls back under <paramref name="target"/>, if nothing new arrived: the honest Retry-After.</summary>
    TimeSpan EstimatedDrainTime(Priority priority, TimeSpan target);

    /// <summary>Counts a refusal made outside the gate (edge shedding, rate limits).</summary>
    void RecordRejection(Priority priority, RejectionReason reason);
}
