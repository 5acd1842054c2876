using Bulwark.Shop.Operations.Dashboard;

namespace Bulwark.Shop.Operations.Alerts;

/// <summary>
/// One alert as <c>deploy/prometheus/alerts.yml</c> states it, evaluated here over the dashboard's samples:
/// the rule fires when <see cref="Measure"/> compared with <see cref="Threshold"/> has held for <see cref="For"/>.
/// </summary>
/// <param name="Window">The range of the PromQL rate or increase the measure stands for (<c>[5m]</c>), if any.</param>
/// <param name="Anchor">The runbook section in <c>docs/operations.md</c>.</param>
/// <param name="Measure">The rule's value at sample <c>i</c> of the history (oldest first); null when there is nothing to measure.</param>
public sealed record AlertRule(
    string Name,
    string Severity,
    string Comparison,
    double Threshold,
    TimeSpan For,
    TimeSpan? Window,
    string Anchor,
    string Summary,
    Func<IReadOnlyList<OpsSample>, int, double?> Measure)
{
    public string RunbookUrl => $"docs/operations.md#{Anchor}";

    public bool Holds(double value) => Comparison switch
    {
        ">=" => value >= Threshold,
        ">" => value > Threshold,
        "==" => value == Threshold,
        "<" => value < Threshold,
        _ => throw new InvalidOperationException($"Unknown comparison '{Comparison}' in alert {Name}."),
    };
}
