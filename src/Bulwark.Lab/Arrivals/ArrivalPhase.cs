namespace Bulwark.Lab.Arrivals;

/// <summary>
/// A stretch of time during which the offered rate moves linearly from <see cref="StartRps"/> to
/// <see cref="EndRps"/> (equal for a constant rate or a step spike).
/// </summary>
public sealed record ArrivalPhase
{
    public ArrivalPhase(string name, TimeSpan duration, double startRps, double endRps)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        if (!double.IsFinite(startRps) || startRps < 0) throw new ArgumentOutOfRangeException(nameof(startRps), startRps, "Rate must be finite and ≥ 0.");
        if (!double.IsFinite(endRps) || endRps < 0) throw new ArgumentOutOfRangeException(nameof(endRps), endRps, "Rate must be finite and ≥ 0.");
        Name = name;
        Duration = duration;
        StartRps = startRps;
        EndRps = endRps;
    }

    public string Name { get; }
    public TimeSpan Duration { get; }
    public double StartRps { get; }
    public double EndRps { get; }

    /// <summary>Arrivals the phase offers on average: the area under its rate line.</summary>
    public double ExpectedArrivals => (StartRps + EndRps) / 2 * Duration.TotalSeconds;

    public double RateAt(TimeSpan sincePhaseStart) =>
        StartRps + (EndRps - StartRps) * (sincePhaseStart.TotalSeconds / Duration.TotalSeconds);

    public static ArrivalPhase Constant(string name, TimeSpan duration, double rps) => new(name, duration, rps, rps);

    public static ArrivalPhase Ramp(string name, TimeSpan duration, double fromRps, double toRps) => new(name, duration, fromRps, toRps);

    /// <summary>A step: the rate jumps to <paramref name="rps"/> at once and holds.</summary>
    public static ArrivalPhase Spike(string name, TimeSpan duration, double rps) => new(name, duration, rps, rps);

    public static ArrivalPhase Idle(string name, TimeSpan duration) => new(name, duration, 0, 0);

    public ArrivalPhase Scaled(double timeFactor, double rateFactor) =>
        new(Name, TimeSpan.FromTicks(Math.Max(1, (long)(Duration.Ticks * timeFactor))), StartRps * rateFactor, EndRps * rateFactor);
}
