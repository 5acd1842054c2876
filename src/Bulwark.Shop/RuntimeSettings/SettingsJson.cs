using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Bulwark.Shop.RuntimeSettings;

/// <summary>
/// How settings look as JSON (camelCase, enums as names, TimeSpan as "hh:mm:ss"), how a partial update is
/// merged onto the settings in force (RFC 7386 merge patch: what the operator leaves out keeps its value,
/// so a change of one number cannot silently reset the others), and the diff between two versions.
/// </summary>
public static class SettingsJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
    };

    /// <summary>For versions read back from the database: lenient, so a field a later release dropped does not make history unreadable.</summary>
    public static JsonSerializerOptions Stored { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static JsonObject ToNode(ShopSettings settings) =>
        JsonSerializer.SerializeToNode(settings, Options)!.AsObject();

    public static ShopSettings FromNode(JsonNode node) =>
        node.Deserialize<ShopSettings>(Options) ?? throw new JsonException("settings must be a JSON object.");

    /// <summary>Applies <paramref name="patch"/> onto a copy of <paramref name="target"/> (null removes a member).</summary>
    public static JsonNode Merge(JsonNode target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone()!;
        }

        var result = target is JsonObject targetObject ? targetObject.DeepClone().AsObject() : [];
        foreach (var (name, value) in patchObject)
        {
            var existing = result.FirstOrDefault(pair => string.Equals(pair.Key, name, StringComparison.OrdinalIgnoreCase));
            if (existing.Key is not null)
            {
                result.Remove(existing.Key);
            }

            if (value is not null)
            {
                result[existing.Key ?? name] = existing.Value is null ? value.DeepClone() : Merge(existing.Value, value);
            }
        }

        return result;
    }

    /// <summary>
    /// A merge patch that sets exactly the leaves at <paramref name="paths"/> (as <see cref="Diff"/> names them)
    /// to their values in <paramref name="source"/>: what a deploy changed, and nothing an operator set since.
    /// </summary>
    public static JsonObject Patch(ShopSettings source, IEnumerable<string> paths)
    {
        var values = ToNode(source);
        var patch = new JsonObject();
        foreach (var path in paths)
        {
            var names = path.Split('.');
            JsonNode? value = values;
            var target = patch;
            for (var i = 0; i < names.Length; i++)
            {
                value = value?[names[i]];
                if (i == names.Length - 1)
                {
                    target[names[i]] = value?.DeepClone();
                }
                else
                {
                    target = target[names[i]] as JsonObject ?? (JsonObject)(target[names[i]] = new JsonObject());
                }
            }
        }

        return patch;
    }

    /// <summary>Every leaf value that differs between two settings, by path.</summary>
    public static IReadOnlyList<SettingChange> Diff(ShopSettings before, ShopSettings after)
    {
        var changes = new List<SettingChange>();
        Compare("", ToNode(before), ToNode(after), changes);
        return changes;
    }

    private static void Compare(string path, JsonNode? before, JsonNode? after, List<SettingChange> changes)
    {
        if (before is JsonObject beforeObject && after is JsonObject afterObject)
        {
            foreach (var name in beforeObject.Select(pair => pair.Key).Union(afterObject.Select(pair => pair.Key)))
            {
                Compare(path.Length == 0 ? name : $"{path}.{name}", beforeObject[name], afterObject[name], changes);
            }

            return;
        }

        if (!JsonNode.DeepEquals(before, after))
        {
            changes.Add(new SettingChange(path, before?.ToJsonString(), after?.ToJsonString()));
        }
    }
}
