using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bulwark.Lab.Reports;

public static class SummaryJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // Mode and class keys ("naive", "signIn") are written as given.
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // A NaN must never make a finished run unwritable; readers see it as a string and can tell.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Serialize(ScenarioReport report) => JsonSerializer.Serialize(report, Options);

    public static ScenarioReport? Deserialize(string json) => JsonSerializer.Deserialize<ScenarioReport>(json, Options);
}
