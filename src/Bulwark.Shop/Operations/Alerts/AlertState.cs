using System.Text.Json.Serialization;

namespace Bulwark.Shop.Operations.Alerts;

/// <summary>Prometheus' alert states: pending while the condition holds for less than the rule's <c>for</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertState>))]
public enum AlertState
{
    Inactive,
    Pending,
    Firing,
}

/// <summary>An alert's state now, with the value that put it there.</summary>
public sealed record AlertStatus(string Name, string Severity, AlertState State, double? Value, DateTimeOffset? ActiveSince,
    string Summary, string Comparison, double Threshold, TimeSpan For, string RunbookUrl);
