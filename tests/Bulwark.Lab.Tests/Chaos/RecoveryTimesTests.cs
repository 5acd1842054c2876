using Bulwark.Lab.Chaos;
using Bulwark.Lab.Load;

namespace Bulwark.Lab.Tests.Chaos;

public class RecoveryTimesTests
{
    static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    static readonly FaultWindow Fault = new(10, 20);

    static readonly ServiceLevel Slo = new(TimeSpan.FromMilliseconds(200), S(2), new Dictionary<RequestClass, TimeSpan> { [RequestClass.Checkout] = S(1) });

    /// <summary>
    /// A fault from 10 s to 20 s. Browses every 100 ms: 50 ms before and long after, 900 ms (over the SLO)
    /// until 23 s. Purchases every half second: paid (201) before 10 s and from 21.2 s, 503 in between.
    /// Readiness: not ready from 10 s, ready again at 20.75 s.
    /// </summary>
    static (List<CompletedRequest> Completions, List<ReadyProbe> Probes) Timeline()
    {
        var completions = new List<CompletedRequest>();
        for (var t = 0.0; t < 30; t += 0.1)
        {
            var latency = t is >= 10 and < 23 ? 0.9 : 0.05;
            completions.Add(new CompletedRequest(RequestClass.Browse, Outcome.Success, 200, S(t), S(latency), S(latency)));
        }
        for (var t = 0.05; t < 30; t += 0.5)
        {
            var paid = t is < 10 or >= 21.2;
            completions.Add(new CompletedRequest(RequestClass.Checkout, paid ? Outcome.Success : Outcome.Shed, paid ? 201 : 503, S(t), S(0.3), S(0.2)));
        }
        var probes = Enumerable.Range(0, 120).Select(i => new ReadyProbe(S(i * 0.25), i * 0.25 is < 10 or >= 20.75)).ToList();
        return (completions, probes);
    }

    [Fact]
    public void Each_sign_of_health_is_timed_from_the_end_of_the_fault_and_recovery_is_the_last_of_them()
    {
        var (completions, probes) = Timeline();

        var recovery = RecoveryTimes.From(completions, probes, Fault, Slo);

        Assert.Equal(0.75, recovery.ReadySeconds!.Value, 3);
        Assert.Equal(1.55, recovery.PurchaseSeconds!.Value, 3);   // the first 201 after 20 s completes at 21.55 s
        Assert.Equal(3, recovery.WithinSloSeconds);                // windows 23–24, 24–25, 25–26 s are the first three good ones in a row
        Assert.Equal(3, recovery.Seconds);
        Assert.Equal(0, recovery.BadShareBefore);
    }

    [Fact]
    public void On_a_machine_too_busy_for_the_slo_before_the_fault_answers_are_good_again_when_no_worse_than_before()
    {
        // Before the fault one browse in ten is over the SLO (10% bad); after it, the same share from 25 s on.
        var (completions, probes) = Timeline();
        var busy = completions.Select((c, i) => c.Class == RequestClass.Browse && (c.CompletedAt < S(10) || c.CompletedAt >= S(25)) && i % 10 == 0
            ? c with { Latency = S(0.5) }
            : c).ToList();

        var recovery = RecoveryTimes.From(busy, probes, Fault, Slo);

        Assert.InRange(recovery.BadShareBefore, 0.07, 0.1);
        Assert.Equal(3, recovery.WithinSloSeconds);
        Assert.Null(RecoveryTimes.From(busy, probes, Fault with { StartSeconds = 0 }, Slo).WithinSloSeconds);   // held to 1% it never recovers
    }

    [Fact]
    public void A_purchase_slower_than_the_default_slo_but_within_its_own_is_good_and_a_fast_refusal_is_not()
    {
        // Purchases take 300 ms, over the 200 ms default SLO: under the checkout SLO of 1 s they count as good.
        var (completions, probes) = Timeline();

        var recovery = RecoveryTimes.From([.. completions.Where(c => c.Class == RequestClass.Checkout && c.CompletedAt > S(21))], probes, Fault, Slo);

        Assert.Equal(2, recovery.WithinSloSeconds);   // 21–22 s still holds a 503 (a refusal is no recovery, however fast)
    }

    [Fact]
    public void What_never_came_back_within_the_run_leaves_the_recovery_unknown()
    {
        var (completions, probes) = Timeline();
        var neverReady = probes.Where(p => p.At < S(20)).ToList();
        var neverPaid = completions.Where(c => c.Status != 201 || c.CompletedAt < S(20)).ToList();
        // A timeout counts as slow whatever latency it was recorded with.
        var timeouts = completions.Select(c => c.CompletedAt >= S(20) ? c with { Outcome = Outcome.Timeout, Status = null, Latency = S(0.01) } : c).ToList();

        Assert.Null(RecoveryTimes.From(completions, neverReady, Fault, Slo).Seconds);
        Assert.Null(RecoveryTimes.From(neverPaid, probes, Fault, Slo).PurchaseSeconds);
        Assert.Null(RecoveryTimes.From(timeouts, probes, Fault, Slo).WithinSloSeconds);
    }
}
