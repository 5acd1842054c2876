using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Tests.Simulation;

/// <summary>
/// One simulated run: a USL database (σ = 0.1, κ = 0.02: throughput peaks at 7 connections), a system in
/// front of it, and the requests that arrived, with the measures the tests assert on.
/// </summary>
public sealed class SimulationRun
{
    public const double Sigma = 0.1;
    public const double Kappa = 0.02;
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    private readonly List<(TimeSpan At, int Limit)> _limits = [];

    private SimulationRun(VirtualClock clock, UslDatabase database, ISimulatedSystem system)
    {
        Clock = clock;
        Database = database;
        System = system;
    }

    public VirtualClock Clock { get; }

    public UslDatabase Database { get; }

    public ISimulatedSystem System { get; }

    public List<SimulatedRequest> Requests { get; private set; } = [];

    public static SimulationRun Guarded(GateSettings settings, int seed, params LoadPhase[] phases) =>
        Guarded(settings, seed, Sigma, Kappa, phases);

    public static SimulationRun Guarded(GateSettings settings, int seed, double sigma, double kappa, params LoadPhase[] phases)
    {
        var clock = new VirtualClock();
        var database = new UslDatabase(clock, sigma, kappa);
        return Run(clock, database, new GuardedSystem(clock, database, settings), seed, phases);
    }

    public static SimulationRun Naive(int seed, params LoadPhase[] phases)
    {
        var clock = new VirtualClock();
        var database = new UslDatabase(clock, Sigma, Kappa);
        return Run(clock, database, new NpgsqlPoolModel(clock, database), seed, phases);
    }

    private static SimulationRun Run(VirtualClock clock, UslDatabase database, ISimulatedSystem system, int seed, LoadPhase[] phases)
    {
        var run = new SimulationRun(clock, database, system);
        run.Requests = new Workload(seed).Schedule(clock, database, system, phases, Deadline);
        var end = TimeSpan.FromTicks(phases.Sum(p => p.Duration.Ticks));
        clock.CreateTimer(_ => run._limits.Add((clock.Now, system.Limit)), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(10));

        // Let the last arrivals finish or time out: at most a deadline (or the naive pool's 15 s wait).
        clock.RunUntil(end + TimeSpan.FromSeconds(20));
        return run;
    }

    public double Capacity => Workload.Capacity(Database);

    /// <summary>Mean limit over the span.</summary>
    public double MeanLimit(TimeSpan from, TimeSpan to) =>
        _limits.Where(l => l.At >= from && l.At < to).Average(l => l.Limit);

    public int MaxLimit(TimeSpan from, TimeSpan to) =>
        _limits.Where(l => l.At >= from && l.At < to).Max(l => l.Limit);

    public IEnumerable<SimulatedRequest> ArrivedIn(TimeSpan from, TimeSpan to) =>
        Requests.Where(r => r.Arrival >= from && r.Arrival < to);

    /// <summary>Useful work (finished within its deadline) per second, as a share of the database's peak.</summary>
    public double Goodput(TimeSpan from, TimeSpan to)
    {
        var work = Requests.Where(r => r.Outcome == SimOutcome.Completed && r.End >= from && r.End < to).Sum(r => r.Work);
        return work / (to - from).TotalSeconds / Database.PeakThroughput;
    }

    /// <summary>Share of the requests of <paramref name="priority"/> arriving in the span answered with data in time.</summary>
    public double CompletedShare(Priority priority, TimeSpan from, TimeSpan to)
    {
        var arrived = ArrivedIn(from, to).Where(r => r.Priority == priority).ToList();
        return arrived.Count(r => r.Outcome == SimOutcome.Completed) / (double)arrived.Count;
    }

    /// <summary>Latency percentile of admitted requests arriving in the span (however they ended).</summary>
    public TimeSpan AdmittedLatency(double percentile, TimeSpan from, TimeSpan to) =>
        Percentile(ArrivedIn(from, to).Where(r => r.Admitted && r.Outcome != SimOutcome.Pending).Select(r => r.Latency), percentile);

    /// <summary>Latency percentile of every request arriving in the span, refusals included (a pending one counts as never).</summary>
    public TimeSpan AnswerTime(double percentile, TimeSpan from, TimeSpan to, Func<SimulatedRequest, bool> which) =>
        Percentile(ArrivedIn(from, to).Where(which).Select(r => r.Outcome == SimOutcome.Pending ? TimeSpan.MaxValue : r.Latency), percentile);

    public static TimeSpan Percentile(IEnumerable<TimeSpan> values, double percentile)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return TimeSpan.Zero;
        }

        var rank = (int)Math.Ceiling(percentile * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }
}
