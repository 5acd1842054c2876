using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Tests.Simulation;

/// <summary>
/// The incident shape: 4 s of ordinary traffic (30% of capacity), 5 s of a surge at 10× capacity, 4 s
/// back to ordinary. Each system is run once per test class and measured here.
/// </summary>
public sealed class SpikeScenario
{
    public const int Seed = 42;
    public static readonly TimeSpan SpikeStart = TimeSpan.FromSeconds(4);
    public static readonly TimeSpan SpikeEnd = TimeSpan.FromSeconds(9);
    public static readonly TimeSpan End = TimeSpan.FromSeconds(13);

    private static readonly LoadPhase[] Phases =
    [
        new(SpikeStart, 0.3),
        new(SpikeEnd - SpikeStart, 10),
        new(End - SpikeEnd, 0.3),
    ];

    private readonly Lazy<SimulationRun> _guarded = new(() => SimulationRun.Guarded(new GateSettings(), Seed, Phases));
    private readonly Lazy<SimulationRun> _lifo = new(() => SimulationRun.Guarded(new GateSettings { QueueOrder = QueueOrder.Lifo }, Seed, Phases));
    private readonly Lazy<SimulationRun> _naive = new(() => SimulationRun.Naive(Seed, Phases));

    /// <summary>The guard with its default settings.</summary>
    public SimulationRun Guarded => _guarded.Value;

    /// <summary>The guard, newest waiter first.</summary>
    public SimulationRun GuardedLifo => _lifo.Value;

    /// <summary>Npgsql's defaults: pool of 100, FIFO, 15 s wait.</summary>
    public SimulationRun Naive => _naive.Value;

    /// <summary>The measures of one run, for the assertions and for the docs.</summary>
    public static Measures Measure(SimulationRun run)
    {
        var from = TimeSpan.FromSeconds(1);
        var settled = SpikeStart + TimeSpan.FromSeconds(0.5);
        var unloadedP99 = run.AdmittedLatency(0.99, from, SpikeStart);
        return new Measures(
            OptimalConcurrency: run.Database.OptimalConcurrency,
            CapacityPerSecond: run.Capacity,
            SpikeLimit: run.MeanLimit(settled, SpikeEnd),
            UnloadedP99: unloadedP99,
            Goodput: run.Goodput(settled, SpikeEnd),
            CriticalCompleted: run.CompletedShare(Priority.Critical, SpikeStart, SpikeEnd),
            AdmittedP99: run.AdmittedLatency(0.99, SpikeStart, SpikeEnd),
            RefusalAnswerP99: run.AnswerTime(0.99, SpikeStart, SpikeEnd, r => r.Outcome is SimOutcome.Shed or SimOutcome.Refused),
            LongestAnswer: run.AnswerTime(1.0, TimeSpan.Zero, End, _ => true),
            AfterSpikeP99: run.AdmittedLatency(0.99, SpikeEnd + TimeSpan.FromSeconds(1), End),
            RecoveredAfter: RecoveryTime(run, unloadedP99));
    }

    /// <summary>
    /// From the end of the surge until the p99 latency of the requests arriving in every later sliding
    /// one-second window (about 230 requests at ordinary load) is back within 1.25× the unloaded p99;
    /// null when that never happens within the run.
    /// </summary>
    private static TimeSpan? RecoveryTime(SimulationRun run, TimeSpan unloadedP99)
    {
        var step = TimeSpan.FromMilliseconds(100);
        var window = TimeSpan.FromSeconds(1);
        TimeSpan? recoveredSince = null;
        for (var start = SpikeEnd; start + window <= End; start += step)
        {
            var p99 = run.AnswerTime(0.99, start, start + window, _ => true);
            if (p99 > unloadedP99 * 1.25)
            {
                recoveredSince = null;
            }
            else
            {
                recoveredSince ??= start - SpikeEnd;
            }
        }

        return recoveredSince;
    }
}

public sealed record Measures(
    int OptimalConcurrency,
    double CapacityPerSecond,
    double SpikeLimit,
    TimeSpan UnloadedP99,
    double Goodput,
    double CriticalCompleted,
    TimeSpan AdmittedP99,
    TimeSpan RefusalAnswerP99,
    TimeSpan LongestAnswer,
    TimeSpan AfterSpikeP99,
    TimeSpan? RecoveredAfter)
{
    public override string ToString() =>
        $"optimum {OptimalConcurrency}, capacity {CapacityPerSecond:F0}/s, limit in surge {SpikeLimit:F1}, " +
        $"goodput {Goodput:P1} of peak, critical completed {CriticalCompleted:P2}, " +
        $"admitted p99 {AdmittedP99.TotalMilliseconds:F1} ms vs unloaded {UnloadedP99.TotalMilliseconds:F1} ms " +
        $"({AdmittedP99 / UnloadedP99:F2}×), refusals p99 {RefusalAnswerP99.TotalMilliseconds:F1} ms, " +
        $"longest answer {(LongestAnswer == TimeSpan.MaxValue ? "never" : $"{LongestAnswer.TotalMilliseconds:F0} ms")}, " +
        $"p99 from 1 s after the surge {(AfterSpikeP99 == TimeSpan.MaxValue ? "never" : $"{AfterSpikeP99.TotalMilliseconds:F1} ms")}, " +
        $"recovered after {(RecoveredAfter is { } r ? $"{r.TotalSeconds:F2} s" : "more than the run")}";
}
