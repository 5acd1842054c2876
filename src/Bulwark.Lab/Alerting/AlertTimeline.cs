using Bulwark.Lab.Reports;

namespace Bulwark.Lab.Alerting;

/// <summary>Turns what Prometheus and Alertmanager recorded into one line per rule of the report.</summary>
public static class AlertTimeline
{
    public static IReadOnlyList<AlertFiring> Build(IReadOnlyList<LabAlertRule> rules, AlertObservation observed, DateTimeOffset loadStart)
    {
        double Since(DateTimeOffset at) => Math.Round((at - loadStart).TotalSeconds, 1);
        return [.. rules.Select(rule =>
        {
            var firing = observed.Notifications.Where(n => n.Name == rule.Name && n.Status == "firing").ToList();
            var samples = observed.FiringAt.GetValueOrDefault(rule.Name) ?? [];
            // Alertmanager's startsAt is the evaluation at which Prometheus turned the alert to firing;
            // the ALERTS series (sampled each second) is the fallback if no notification arrived.
            DateTimeOffset? firedAt = firing.Count > 0 ? firing.Min(n => n.StartsAt) : samples.Count > 0 ? samples[0] : null;
            return new AlertFiring(rule.Name, $"{rule.Summary}; {rule.DescribeScaling()}", firedAt is { } f ? Since(f) : null, samples.Count)
            {
                Severity = rule.Severity,
                NotifiedAtSeconds = firing.Count > 0 ? Since(firing.Min(n => n.ReceivedAt)) : null,
                PendingAtEnd = observed.PendingAtEnd.Contains(rule.Name),
            };
        })];
    }
}
