using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Tests.Simulation;

/// <summary>One stretch of constant offered load, as a multiple of the database's peak capacity.</summary>
public sealed record LoadPhase(TimeSpan Duration, double TimesCapacity);

/// <summary>
/// Open arrivals (Poisson: clients do not wait for answers before sending more, as in a surge) of a
/// shop's mix: 20% critical, 50% normal, 30% sheddable. Costs differ by kind: checkout's statements
/// are short indexed writes (1 ms solo), cart and account work 4 ms, browse and search 5 ms, each varied
/// by a gamma(4) factor. With equal costs no scheduler could finish 98% of critical work at 10× load,
/// since critical alone would be twice what the database can do.
/// </summary>
public sealed class Workload(int seed)
{
    public static readonly double[] Share = [0.2, 0.5, 0.3];
    public static readonly double[] Cost = [0.001, 0.004, 0.005];

    private readonly Random _random = new(seed);

    public static double MeanCost => Share.Zip(Cost, (s, c) => s * c).Sum();

    /// <summary>Requests per second the database completes at its peak.</summary>
    public static double Capacity(UslDatabase database) => database.PeakThroughput / MeanCost;

    /// <summary>Schedules every arrival of <paramref name="phases"/> on the clock, starting now.</summary>
    public List<SimulatedRequest> Schedule(VirtualClock clock, UslDatabase database, ISimulatedSystem system,
        IReadOnlyList<LoadPhase> phases, TimeSpan deadline)
    {
        var requests = new List<SimulatedRequest>();
        var capacity = Capacity(database);
        var start = clock.Now;
        foreach (var phase in phases)
        {
            var end = start + phase.Duration;
            var rate = capacity * phase.TimesCapacity;
            var at = start + Exponential(rate);
            while (at < end)
            {
                var priority = PickPriority();
                var request = new SimulatedRequest(at, priority, Cost[(int)priority] * Gamma4(), deadline);
                requests.Add(request);
                clock.At(at, () => system.Submit(request));
                at += Exponential(rate);
            }

            start = end;
        }

        return requests;
    }

    private TimeSpan Exponential(double rate) => TimeSpan.FromSeconds(-Math.Log(1 - _random.NextDouble()) / rate);

    private double Gamma4()
    {
        var product = 1.0;
        for (var i = 0; i < 4; i++)
        {
            product *= 1 - _random.NextDouble();
        }

        return -Math.Log(product) / 4;
    }

    private Priority PickPriority()
    {
        var u = _random.NextDouble();
        return u < Share[0] ? Priority.Critical : u < Share[0] + Share[1] ? Priority.Normal : Priority.Sheddable;
    }
}
