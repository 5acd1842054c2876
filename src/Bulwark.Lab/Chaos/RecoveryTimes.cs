using Bulwark.Lab.Load;

namespace Bulwark.Lab.Chaos;

/// <summary>One answer of <c>/health/ready</c>, at the time it came (since the start of the load).</summary>
public sealed record ReadyProbe(TimeSpan At, bool Ready);

/// <summary>
/// Seconds from the end of a fault until each sign of health came back (null: not within the run), and
/// the last of them: the shop answered ready, a purchase was paid (201), and answers were good again (p99
/// within each class's SLO, no failures; or no worse than before the fault, when even that missed the SLO).
/// </summary>
/// <param name="BadShareBefore">The share of bad answers (<see cref="IsBad"/>) before the fault: the run's normal.</param>
public sealed record RecoveryTimes(double? ReadySeconds, double? PurchaseSeconds, double? WithinSloSeconds, double BadShareBefore = 0)
{
    public double? Seconds => ReadySeconds is { } ready && PurchaseSeconds is { } purchase && WithinSloSeconds is { } slo
        ? Math.Max(ready, Math.Max(purchase, slo))
        : null;

    /// <summary>Consecutive one-second windows that must keep the SLO before latency counts as recovered: one good second can be luck.</summary>
    public const int SteadyWindows = 3;

    /// <param name="completions">Every answer of the load, in any order.</param>
    /// <param name="probes">Every readiness answer, in any order.</param>
    /// <param name="window">When the fault was applied, and lifted (server started, processes resumed, gateway healthy, shop started again).</param>
    public static RecoveryTimes From(IReadOnlyList<CompletedRequest> completions, IReadOnlyList<ReadyProbe> probes, FaultWindow window, ServiceLevel serviceLevel)
    {
        var faultEnd = TimeSpan.FromSeconds(window.EndSeconds);
        double? Since(TimeSpan? at) => at is { } t ? Math.Max(0, (t - faultEnd).TotalSeconds) : null;

        var ready = probes.Where(p => p.Ready && p.At >= faultEnd).Select(p => (TimeSpan?)p.At).Min();
        var paid = completions.Where(c => c.Class == RequestClass.Checkout && c.Status == 201 && c.CompletedAt >= faultEnd)
            .Select(c => (TimeSpan?)c.CompletedAt).Min();
        var before = completions.Where(c => c.CompletedAt.TotalSeconds < window.StartSeconds).ToList();
        var badBefore = before.Count == 0 ? 0 : before.Count(c => IsBad(c, serviceLevel)) / (double)before.Count;
        return new RecoveryTimes(Since(ready), Since(paid), FirstSteadySecond(completions, faultEnd, Math.Max(0.01, badBefore), serviceLevel), badBefore);
    }

    /// <summary>
    /// Slower than its class's SLO, or no answer, a timeout, a 503 or another 5xx. A refused connection is
    /// fast, so latency alone would call a dead shop healthy.
    /// </summary>
    public static bool IsBad(CompletedRequest c, ServiceLevel serviceLevel) =>
        c.Outcome is Outcome.Timeout or Outcome.Error or Outcome.Shed || c.Latency > serviceLevel.SloFor(c.Class);

    /// <summary>
    /// The start (seconds after <paramref name="faultEnd"/>) of the first run of <see cref="SteadyWindows"/>
    /// one-second windows in which answers came and at most <paramref name="allowedBadShare"/> of them were
    /// bad: 1% is p99 within the SLO; a machine too busy for that before the fault is held to its own normal.
    /// </summary>
    static double? FirstSteadySecond(IReadOnlyList<CompletedRequest> completions, TimeSpan faultEnd, double allowedBadShare, ServiceLevel serviceLevel)
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
            if (IsBad(c, serviceLevel)) bad[w]++;
        }

        var run = 0;
        for (var w = 0; w < windows; w++)
        {
            run = total[w] > 0 && bad[w] <= Math.Floor(total[w] * allowedBadShare + 1e-9) ? run + 1 : 0;
            if (run == SteadyWindows) return w - SteadyWindows + 1;
        }
        return null;
    }
}
