using Bulwark.Lab.Arrivals;

namespace Bulwark.Lab.Load;

/// <summary>Everything that decides what a run sends and when: same plan, same seed, same requests.</summary>
public sealed record LoadPlan(
    IReadOnlyList<TrafficStream> Streams,
    ArrivalProcess Process,
    int Seed,
    LoadLimits Limits,
    ServiceLevel ServiceLevel)
{
    public TimeSpan Duration => Streams.Count == 0 ? TimeSpan.Zero : Streams.Max(s => s.Duration);

    /// <summary>How long after the schedule ends the generator waits for answers still in flight.</summary>
    public TimeSpan DrainAllowance => Limits.RequestTimeout * 3 + TimeSpan.FromSeconds(2);

    public double ExpectedArrivals => Schedules().Sum(s => s.ExpectedArrivals);

    public IReadOnlyList<ArrivalSchedule> Schedules() =>
        [.. Streams.Select((s, i) => new ArrivalSchedule(s.Phases, Process, unchecked(Seed * 31 + i), streamIndex: i))];

    public void Validate()
    {
        Limits.Validate();
        if (Streams.Count == 0) throw new ArgumentException("A load plan needs at least one stream.");
        if (Duration > Limits.MaxDuration)
            throw new ArgumentException($"The plan lasts {Duration}, longer than the {Limits.MaxDuration} every run is bounded by.");
    }
}
