using System.Text.Json.Serialization;

namespace Bulwark.Shop.Operations.Alerts;

/// <summary>
/// The alert states the dashboard shows, as Prometheus reported them at <see cref="CheckedAt"/>; or, with
/// <see cref="Source"/> <c>none</c>, a plain statement that no Prometheus is configured.
/// </summary>
/// <param name="Error">Why the last read failed (unreachable, bad answer); the rules are then the last good read's.</param>
public sealed record AlertBoard(string Source, Uri? PrometheusUrl, DateTimeOffset? CheckedAt, string? Error, IReadOnlyList<AlertRuleState> Rules)
{
    public const string FromPrometheus = "prometheus";
    public const string NoPrometheus = "none";

    public static readonly AlertBoard NotConfigured = new(NoPrometheus, null, null, null, []);
}

/// <summary>One alerting rule: its state (the worst of its alerts), its labels and annotations, and each active alert.</summary>
public sealed record AlertRuleState(
    string Name,
    string Group,
    string State,
    string? Severity,
    TimeSpan For,
    string? Summary,
    string? RunbookUrl,
    string Health,
    string? LastError,
    IReadOnlyList<ActiveAlert> Alerts);

/// <summary>An alert of a rule that is pending or firing, for one series (usually one instance).</summary>
public sealed record ActiveAlert(
    string State,
    [property: JsonPropertyName("instance")] string? Instance,
    DateTimeOffset? ActiveAt,
    string? Value);
