namespace Bulwark.Shop.RuntimeSettings;

/// <summary>The verdict on proposed settings: malformed (400), refused against live measurements (422), or fine.</summary>
public sealed record SettingsVerdict(IReadOnlyDictionary<string, string[]> Errors, IReadOnlyList<SettingsRefusal> Refusals)
{
    public bool Accepted => Errors.Count == 0 && Refusals.Count == 0;

    /// <summary>Each problem as "key: why", for a log line or an alert an operator can act on.</summary>
    public IEnumerable<string> Problems =>
        Errors.SelectMany(error => error.Value.Select(message => $"{error.Key}: {message}"))
            .Concat(Refusals.Select(refusal => $"{refusal.Field}: {refusal.Message}"));
}

/// <summary>A well-formed value the live system cannot take (e.g. a ceiling below the measured peak).</summary>
public sealed record SettingsRefusal(string Field, string Message);

/// <summary>
/// Refuses settings that would repeat incident 4 (a pool too small for the traffic it must carry) and
/// settings that make no sense, each with a sentence an operator can act on.
/// </summary>
public sealed class SettingsValidator(IConnectionBudget budget)
{
    public static readonly TimeSpan PeakWindow = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan MaxDeadline = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan MaxCacheTtl = TimeSpan.FromMinutes(10);

    public async Task<SettingsVerdict> JudgeAsync(ShopSettings settings, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, List<string>>();
        void Error(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        var guard = settings.Guard;
        foreach (var problem in guard.Validate())
        {
            Error("guard", problem);
        }

        foreach (var priority in Enum.GetValues<Bulwark.Guard.Gate.Priority>())
        {
            var name = priority.ToString().ToLowerInvariant();
            var deadline = guard.Deadlines?.For(priority) ?? TimeSpan.Zero;
            if (deadline > MaxDeadline)
            {
                Error($"guard.deadlines.{name}", $"deadline for {name} is {deadline.TotalSeconds:0.###} s; more than {MaxDeadline.TotalSeconds:0} s only makes clients and proxies give up first.");
            }

            var target = guard.QueueDelayTargets?.For(priority) ?? TimeSpan.Zero;
            if (deadline > TimeSpan.Zero && target >= deadline)
            {
                Error($"guard.queueDelayTargets.{name}", $"queue delay target for {name} ({target.TotalMilliseconds:0} ms) must be below its deadline ({deadline.TotalMilliseconds:0} ms), or waiting eats the whole deadline.");
            }
        }

        if (settings.Catalog.CacheTtl < TimeSpan.Zero || settings.Catalog.CacheTtl > MaxCacheTtl)
        {
            Error("catalog.cacheTtl", $"catalog.cacheTtl must be between 0 and {MaxCacheTtl.TotalMinutes:0} minutes (was {settings.Catalog.CacheTtl}).");
        }

        var refusals = new List<SettingsRefusal>();
        if (errors.Count == 0 && guard.Ceiling is { } ceiling)
        {
            var (serverCeiling, derivation) = budget.ServerBudget;
            if (ceiling > serverCeiling)
            {
                refusals.Add(new("guard.ceiling", $"ceiling {ceiling} is beyond the server's budget of {serverCeiling} connections for this instance ({derivation})."));
            }

            var peak = await budget.PeakInUseAsync(PeakWindow, cancellationToken);
            if (ceiling < peak)
            {
                refusals.Add(new("guard.ceiling", $"ceiling {ceiling} is below the {peak} connections one instance had in use at once during the last {PeakWindow.TotalMinutes:0} minutes: " +
                    "this traffic would queue and time out (incident 4). Raise the ceiling to at least the peak."));
            }
        }

        return new SettingsVerdict(errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray()), refusals);
    }
}
