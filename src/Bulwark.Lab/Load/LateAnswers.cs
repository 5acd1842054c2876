namespace Bulwark.Lab.Load;

/// <summary>
/// Which answers came later than the deadline, by class and outcome: a late 503 waited in front of the edge (the
/// system under test's CPU or kernel queues), a late 2xx was admitted and then served slowly (an action of several
/// requests, a purchase's cart update and checkout, is late when one of them was). The bench's tables keep only the total;
/// this goes to the lab's log so that a late step can be told apart afterwards.
/// </summary>
public static class LateAnswers
{
    /// <summary>"browse 70 (success 2, shed 68); checkout 5 (success 5)", or null when none was late.</summary>
    public static string? Describe(IReadOnlyDictionary<RequestClass, ClassStats> classes)
    {
        var parts = new List<string>();
        foreach (var (requestClass, stats) in classes.OrderBy(pair => pair.Key))
        {
            if (stats.SlowerThanDeadline == 0) continue;
            var outcomes = Enum.GetValues<Outcome>()
                .Where(outcome => stats.SlowerThanDeadlineWith(outcome) > 0)
                .Select(outcome => $"{outcome.ToString().ToLowerInvariant()} {stats.SlowerThanDeadlineWith(outcome)}");
            parts.Add($"{requestClass.Key()} {stats.SlowerThanDeadline} ({string.Join(", ", outcomes)})");
        }
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }
}
