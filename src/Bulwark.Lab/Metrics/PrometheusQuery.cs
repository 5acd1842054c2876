namespace Bulwark.Lab.Metrics;

/// <summary>Small selections over a parsed exposition: the lab sums series, it never needs PromQL.</summary>
public static class PrometheusQuery
{
    /// <summary>
    /// Sum of every series named <paramref name="name"/> whose labels include all of
    /// <paramref name="labels"/>; null when no such series exists (which a report must show as
    /// "not exported", not as zero).
    /// </summary>
    public static double? Sum(this IReadOnlyList<PrometheusSample> samples, string name, params (string Name, string Value)[] labels)
    {
        double? total = null;
        foreach (var sample in samples)
        {
            if (sample.Name != name) continue;
            if (!labels.All(l => sample.Label(l.Name) == l.Value)) continue;
            total = (total ?? 0) + sample.Value;
        }
        return total;
    }

    /// <summary>The first name among <paramref name="candidates"/> that the exposition contains.</summary>
    public static string? FirstPresent(this IReadOnlyList<PrometheusSample> samples, params string[] candidates) =>
        candidates.FirstOrDefault(c => samples.Any(s => s.Name == c));
}
