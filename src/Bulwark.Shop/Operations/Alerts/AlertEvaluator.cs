using Bulwark.Shop.Operations.Dashboard;

namespace Bulwark.Shop.Operations.Alerts;

/// <summary>Evaluates the rules the way Prometheus does, over the dashboard's one-second samples.</summary>
public static class AlertEvaluator
{
    public static IReadOnlyList<AlertStatus> Evaluate(IReadOnlyList<OpsSample> history) =>
        [.. AlertRules.All.Select(rule => Evaluate(rule, history))];

    public static AlertStatus Evaluate(AlertRule rule, IReadOnlyList<OpsSample> history)
    {
        if (history.Count == 0)
        {
            return Status(rule, AlertState.Inactive, null, null);
        }

        var last = history.Count - 1;
        var current = rule.Measure(history, last);
        if (current is not { } value || !rule.Holds(value))
        {
            return Status(rule, AlertState.Inactive, current, null);
        }

        // How long has the condition held without a break? Prometheus fires once that reaches 'for'.
        var since = history[last].At;
        for (var i = last - 1; i >= 0 && rule.Measure(history, i) is { } earlier && rule.Holds(earlier); i--)
        {
            since = history[i].At;
        }

        var state = history[last].At - since >= rule.For ? AlertState.Firing : AlertState.Pending;
        return Status(rule, state, value, since);
    }

    private static AlertStatus Status(AlertRule rule, AlertState state, double? value, DateTimeOffset? since) =>
        new(rule.Name, rule.Severity, state, value, since, rule.Summary, rule.Comparison, rule.Threshold, rule.For, rule.RunbookUrl);
}
