using Bulwark.Lab.Load;

namespace Bulwark.Lab.Chaos;

/// <summary>One answer of <c>/health/ready</c>, at the time it came (since the start of the load).</summary>
public sealed record ReadyProbe(TimeSpan At, bool Ready);

/// <summary>
/// Seconds from the end of a fault until each sign of health came back (null: not within the run), and
/// the last of them: the shop answered ready, a purchase was paid (201), and answers were good again (p99
/// within each class's SLO, no failures).
/// </summary>
public sealed record RecoveryTimes(double? ReadySeconds, double? PurchaseSeconds, double? WithinSloSeconds)
{
    public double? Seconds => ReadySeconds is { } ready && PurchaseSeconds is { } purchase && WithinSloSeconds is { } slo
        ? Math.Max(ready, Math.Max(purchase, slo))
        : null;

    /// <summary>Consecutive one-second windows that must keep the SLO before latency counts as recovered: one good second can be luck.</summary>
    public const int SteadyWindows = 3;

    /// <param name="completions">Every answer of the load, in any order.</param>
    /// <param name="probes">Every readiness answer, in any order.</param>
    /// <param name="faultEnd">When the fault was lifted (server started, processes resumed, gateway healthy, shop started again).</param>
    public static RecoveryTimes From(IReadOnlyList<CompletedRequest> completions, IReadOnlyList<ReadyProbe> probes, TimeSpan faultEnd, ServiceLevel serviceLevel)
    {
        double? Since(TimeSpan? at) => at is { } t ? Math.Max(0, (t - faultEnd).TotalSeconds) : null;

        var ready = probes.Where(p => p.Ready && p.At >= faultEnd).Select(p => (TimeSpan?)p.At).Min();
        var paid = completions.Where(c => c.Class == RequestClass.Checkout && c.Status == 201 && c.CompletedAt >= faultEnd)
            .Select(c => (TimeSpan?)c.CompletedAt).Min();
        return new RecoveryTimes(Since(ready), Since(paid), FirstSteadySecond(completions, faultEnd, serviceLevel));
    }

    /// <summary>
    /// The start (seconds after <paramref name="faultEnd"/>) of the first run of <see cref="SteadyWindows"/>
    /// one-second windows in which answers came and at most 1% of them were bad: slower than their class's SLO
    /// (p99 under the SLO), or no answer, a timeout, a 5xx. A refused connection is fast, so latency alone
    /// would call a dead shop healthy.
    /// </summary>
    static double? FirstSteadySecond(IReadOnlyList<CompletedRequest> completions, TimeSpan faultEnd, ServiceLevel serviceLevel)
    {
        var after = completions.Where(c => c.CompletedAt >= faultEnd).ToList();
        if (after.Count == 0) return null;
        var windows = (int)(after.Max(c => c.CompletedAt) - faultEnd).TotalSeconds + 1;
        var total = new int[windows];
        var bad = new int[windows];
        foreach (var c in after)
        {
            var w = (int)(c.CompletedAt - faultEnd).TotalSeconds;
            total[w]++;
            if (c.Outcome is Outcome.Timeout or Outcome.Error or Outcome.Shed || c.Latency > serviceLevel.SloFor(c.Class)) bad[w]++;
        }

        var run = 0;
        for (var w = 0; w < windows; w++)
        {
            run = total[w] > 0 && bad[w] <= total[w] / 100 ? run + 1 : 0;
            if (run == SteadyWindows) return w - SteadyWindows + 1;
        }
        return null;
    }
}
