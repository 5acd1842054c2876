using System.Globalization;

namespace Bulwark.Shop.Operations.Metrics;

/// <summary>
/// The attributes of one series as the dashboard reads them: values as invariant strings, looked up by
/// name. A series carries a handful of attributes, so a linear search beats a dictionary here.
/// </summary>
public sealed class TagSet
{
    public static readonly TagSet Empty = new([]);

    private readonly KeyValuePair<string, string>[] _tags;

    private TagSet(KeyValuePair<string, string>[] tags) => _tags = tags;

    public IReadOnlyList<KeyValuePair<string, string>> Tags => _tags;

    /// <summary>The value of a tag, or null when the series does not carry it.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (var (key, value) in _tags)
            {
                if (string.Equals(key, name, StringComparison.Ordinal))
                {
                    return value;
                }
            }

            return null;
        }
    }

    public static TagSet From(IEnumerable<KeyValuePair<string, object?>> tags)
    {
        var copy = tags.Select(tag => new KeyValuePair<string, string>(tag.Key, Format(tag.Value))).ToArray();
        return copy.Length == 0 ? Empty : new TagSet(copy);
    }

    public static TagSet From(params (string Name, string Value)[] tags) =>
        tags.Length == 0 ? Empty : new TagSet([.. tags.Select(tag => new KeyValuePair<string, string>(tag.Name, tag.Value))]);

    public override string ToString() => string.Join(",", _tags.Select(tag => $"{tag.Key}={tag.Value}"));

    private static string Format(object? value) => value switch
    {
        null => "",
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
