using Bulwark.Guard.Gate;
using Xunit.Abstractions;

namespace Bulwark.Guard.Tests.Simulation;

/// <summary>
/// The gate's real admission code (edge shedding, <see cref="ConcurrencyGate"/>, Vegas) on a virtual
/// clock in front of a USL-shaped database, against Npgsql's default pool on the same arrivals.
/// Deterministic: seeded arrivals, no sleeping, no threads.
/// </summary>
public sealed class GuardSimulationTests(SpikeScenario scenario, ITestOutputHelper output) : IClassFixture<SpikeScenario>
{
    private static readonly TimeSpan S1 = TimeSpan.FromSeconds(1);

    private Measures Guarded()
    {
        var measures = SpikeScenario.Measure(scenario.Guarded);
        output.WriteLine($"guarded: {measures}");
        return measures;
    }

    private Measures Naive()
    {
        var measures = SpikeScenario.Measure(scenario.Naive);
        output.WriteLine($"naive:   {measures}");
        return measures;
    }

    [Theory]
    [InlineData(0.1, 0.02)]   // optimum 7, the scenario's database
    [InlineData(0.02, 0.005)] // optimum 14: little contention, a bigger server
    [InlineData(0.05, 0.05)]  // optimum 4: heavy coherency cost
    public void Adaptive_limit_settles_within_30_percent_of_the_throughput_optimal_concurrency(double sigma, double kappa)
    {
        // Saturated from a cold start for 40 s, through a baseline probe or more.
        var run = SimulationRun.Guarded(new GateSettings(), 7, sigma, kappa, new LoadPhase(TimeSpan.FromSeconds(40), 3));
        var optimum = run.Database.OptimalConcurrency;
        var settled = run.MeanLimit(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(40));
        output.WriteLine($"σ={sigma} κ={kappa}: optimum {optimum}, settled limit {settled:F1}, highest {run.MaxLimit(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(40))}, goodput {run.Goodput(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(40)):P1}");

        Assert.InRange(settled, optimum * 0.7, optimum * 1.3);
    }

    [Fact]
    public void At_ten_times_capacity_goodput_stays_above_90_percent_of_peak() =>
        Assert.True(Guarded().Goodput >= 0.90);

    [Fact]
    public void At_ten_times_capacity_critical_work_still_completes_98_percent() =>
        Assert.True(Guarded().CriticalCompleted >= 0.98);

    [Fact]
    public void Admitted_work_stays_within_three_times_the_unloaded_p99()
    {
        var measures = Guarded();
        Assert.True(measures.AdmittedP99 <= measures.UnloadedP99 * 3);
    }

    [Fact]
    public void Latency_is_back_to_unloaded_within_one_second_after_the_surge()
    {
        var measures = Guarded();
        Assert.NotNull(measures.RecoveredAfter);
        Assert.True(measures.RecoveredAfter <= S1);
    }

    [Fact]
    public void Refusals_are_answered_at_once_and_nothing_outlives_its_deadline()
    {
        var measures = Guarded();
        Assert.True(measures.RefusalAnswerP99 <= TimeSpan.FromMilliseconds(10));
        Assert.True(measures.LongestAnswer <= SimulationRun.Deadline);
    }

    [Fact]
    public void Npgsqls_default_pool_collapses_under_the_same_surge()
    {
        var naive = Naive();
        var guarded = Guarded();

        // Too many connections make the database slower, the queue grows for 15 s, and almost nothing
        // is answered in time: the outage of the incident reports.
        Assert.True(naive.Goodput < 0.25, $"goodput {naive.Goodput:P1}");
        Assert.True(naive.CriticalCompleted < 0.10, $"critical completed {naive.CriticalCompleted:P1}");
        Assert.True(naive.AdmittedP99 > TimeSpan.FromSeconds(10));
        Assert.True(naive.AfterSpikeP99 > naive.UnloadedP99 * 100, "still collapsed well after the surge ended");
        Assert.Null(naive.RecoveredAfter);
        Assert.True(guarded.Goodput > naive.Goodput * 4);
    }

    [Fact]
    public void Queue_order_default_is_the_one_measured_better()
    {
        var fifo = Guarded();
        var lifo = SpikeScenario.Measure(scenario.GuardedLifo);
        output.WriteLine($"lifo:    {lifo}");

        // The reason ConcurrencyGate serves FIFO: with edge shedding keeping the queue short, FIFO gives
        // the better p99 of admitted work, while newest-first strands the oldest waiters.
        Assert.Equal(QueueOrder.Fifo, new GateSettings().QueueOrder);
        Assert.True(fifo.AdmittedP99 < lifo.AdmittedP99, $"fifo {fifo.AdmittedP99} lifo {lifo.AdmittedP99}");
        var stranded = Stranded(scenario.GuardedLifo);
        var strandedFifo = Stranded(scenario.Guarded);
        output.WriteLine($"admitted after waiting over 100 ms: fifo {strandedFifo}, lifo {stranded}");
        Assert.True(strandedFifo < stranded);
    }

    private static int Stranded(SimulationRun run) =>
        run.ArrivedIn(SpikeScenario.SpikeStart, SpikeScenario.SpikeEnd)
            .Count(r => r.Admitted && r.Outcome != SimOutcome.Pending && r.Latency > TimeSpan.FromMilliseconds(100));
}
