using System.Text.Json.Serialization;

namespace Bulwark.Shop.Operations.Alerts;

/// <summary>
/// The part of Prometheus' <c>GET /api/v1/rules?type=alert</c> answer the dashboard reads
/// (https://prometheus.io/docs/prometheus/latest/querying/api/#rules).
/// </summary>
internal sealed record PrometheusRulesResponse(string Status, PrometheusRulesData? Data, string? Error);

internal sealed record PrometheusRulesData(IReadOnlyList<PrometheusRuleGroup> Groups);

internal sealed record PrometheusRuleGroup(string Name, IReadOnlyList<PrometheusRule> Rules);

internal sealed record PrometheusRule(
    string Name,
    string Type,
    string? State,
    double Duration,
    IReadOnlyDictionary<string, string>? Labels,
    IReadOnlyDictionary<string, string>? Annotations,
    IReadOnlyList<PrometheusAlert>? Alerts,
    string? Health,
    [property: JsonPropertyName("lastError")] string? LastError);

internal sealed record PrometheusAlert(
    IReadOnlyDictionary<string, string>? Labels,
    string State,
    [property: JsonPropertyName("activeAt")] DateTimeOffset? ActiveAt,
    string? Value);
