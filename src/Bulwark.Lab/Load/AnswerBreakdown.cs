namespace Bulwark.Lab.Load;

/// <summary>
/// A step's answers by class and outcome, for the lab's log: the bench's tables keep totals, and a step that went wrong
/// must be told apart afterwards. Late answers: a late 503 waited in front of the edge (the system under test's CPU or
/// kernel queues), a late 2xx was admitted and then served slowly (an action of several requests, a purchase's cart
/// update and checkout, is late when one of them was).
/// </summary>
public static class AnswerBreakdown
{
    /// <summary>"browse 70 (success 2, shed 68); checkout 5 (success 5)", or null when none was late.</summary>
    public static string? Late(IReadOnlyDictionary<RequestClass, ClassStats> classes) =>
        Describe(classes, static (stats, outcome) => stats.SlowerThanDeadlineWith(outcome));

    /// <summary>Every answer: "checkout 610 (success 90, shed 420, dropped 100); …", or null when there were none.</summary>
    public static string? All(IReadOnlyDictionary<RequestClass, ClassStats> classes) =>
        Describe(classes, static (stats, outcome) => stats.Count(outcome));

    /// <summary>Latency by class, p50/p99 in ms, successes and refusals apart: "browse success 3/180, shed 40/900; …"; null when none answered.</summary>
    public static string? Latencies(IReadOnlyDictionary<RequestClass, ClassStats> classes)
    {
        var parts = new List<string>();
        foreach (var (requestClass, stats) in classes.OrderBy(pair => pair.Key))
        {
            var kinds = new[] { ("success", stats.Successful), ("shed", stats.Shed) }.Where(k => k.Item2.Count > 0)
                .Select(k => $"{k.Item1} {k.Item2.PercentileMs(50):0.#}/{k.Item2.PercentileMs(99):0}").ToList();
            if (kinds.Count > 0) parts.Add($"{requestClass.Key()} {string.Join(", ", kinds)}");
        }
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    static string? Describe(IReadOnlyDictionary<RequestClass, ClassStats> classes, Func<ClassStats, Outcome, long> count)
    {
        var parts = new List<string>();
        foreach (var (requestClass, stats) in classes.OrderBy(pair => pair.Key))
        {
            var outcomes = Enum.GetValues<Outcome>().Select(outcome => (outcome, n: count(stats, outcome))).Where(o => o.n > 0).ToList();
            if (outcomes.Count == 0) continue;
            parts.Add($"{requestClass.Key()} {outcomes.Sum(o => o.n)} ({string.Join(", ", outcomes.Select(o => $"{o.outcome.ToString().ToLowerInvariant()} {o.n}"))})");
        }
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }
}
