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

    /// <summary>
    /// True while a queue of this priority is a burst the gate can absorb rather than overload: the
    /// queue delay its work actually met has not stood above <paramref name="target"/> for
    /// <paramref name="interval"/> (CoDel's test), no higher priority is waiting to jump its line (the
    /// delay estimate then holds), and it was not shed within the last ten intervals (in a surge, once
    /// shedding has begun, every arrival is judged by the target alone).
    /// </summary>
    bool AbsorbingBurst(Priority priority, TimeSpan target, TimeSpan interval);

    /// <summary>Counts a refusal made outside the gate (edge shedding, rate limits).</summary>
    void RecordRejection(Priority priority, RejectionReason reason);
}
