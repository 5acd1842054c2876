using Bulwark.Lab.Metrics;

namespace Bulwark.Lab.Bench;

/// <summary>
/// How long the guard's adaptive limit (<c>bulwark_db_limit</c>, scraped through a step) took to settle after
/// the load stepped up: the time of the first sample from which the limit stays within a band around its
/// settled value (the median of the step's second half) for <see cref="Hold"/>. Breakwater reports &lt; 20 ms
/// for its credit pool; the issue asks for ours beside it. Resolution is the scrape interval.
/// </summary>
public static class LimitConvergence
{
    /// <summary>How long the limit must stay in the band to count as settled.</summary>
    public static readonly TimeSpan Hold = TimeSpan.FromSeconds(1);

    /// <summary>Relative width of the band either side of the settled value (at least one lease).</summary>
    public const double Band = 0.2;

    /// <summary>
    /// Seconds from the step's start until the limit settled; +∞ when it never held still for <see cref="Hold"/>
    /// within the step, NaN when the step exported no limit (the naive shop) or too few samples to judge.
    /// </summary>
    public static double Seconds(IReadOnlyList<PoolSample> samples, TimeSpan stepLength)
    {
        var limits = samples.Where(s => s.Limit is not null && s.At <= stepLength).OrderBy(s => s.At)
            .Select(s => (s.At, Limit: s.Limit!.Value)).ToList();
        var secondHalf = limits.Where(s => s.At >= stepLength / 2).Select(s => s.Limit).Order().ToList();
        if (secondHalf.Count < 3) return double.NaN;

        var settled = secondHalf[secondHalf.Count / 2];
        var tolerance = Math.Max(1, settled * Band);
        for (var i = 0; i < limits.Count; i++)
        {
            var from = limits[i].At;
            if (from + Hold > stepLength) break;
            var window = limits.Skip(i).TakeWhile(s => s.At <= from + Hold);
            if (window.All(s => Math.Abs(s.Limit - settled) <= tolerance)) return from.TotalSeconds;
        }

        return double.PositiveInfinity;
    }
}
