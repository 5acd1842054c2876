namespace Bulwark.Lab.Arrivals;

/// <summary>
/// One request the open model intends to send at <see cref="IntendedAt"/> after the run starts.
/// Latency is measured from this instant, not from when the generator got round to sending it.
/// </summary>
public readonly record struct ScheduledArrival(TimeSpan IntendedAt, int StreamIndex, int PhaseIndex, long Sequence);
