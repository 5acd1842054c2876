using System.Globalization;

namespace Bulwark.Shop.Operations.Metrics;

/// <summary>
/// The attributes of one measurement, sorted by name so that the same attributes in any order are the
/// same series. Values are kept as invariant strings: that is all an exposition format can carry.
/// </summary>
public sealed class TagSet : IEquatable<TagSet>
{
    public static readonly TagSet Empty = new([]);

    private readonly KeyValuePair<string, string>[] _tags;
    private readonly int _hash;

    private TagSet(KeyValuePair<string, string>[] sortedTags)
    {
        _tags = sortedTags;
        var hash = new HashCode();
        foreach (var (key, value) in sortedTags)
        {
            hash.Add(key, StringComparer.Ordinal);
            hash.Add(value, StringComparer.Ordinal);
        }

        _hash = hash.ToHashCode();
    }

    public IReadOnlyList<KeyValuePair<string, string>> Tags => _tags;

    /// <summary>The value of a tag, or null when the measurement did not carry it.</summary>
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

    public static TagSet From(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return Empty;
        }

        var copy = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            copy[i] = new(tags[i].Key, Format(tags[i].Value));
        }

        return Sorted(copy);
    }

    public static TagSet From(params (string Name, string Value)[] tags) =>
        tags.Length == 0 ? Empty : Sorted([.. tags.Select(tag => new KeyValuePair<string, string>(tag.Name, tag.Value))]);

    public bool Equals(TagSet? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other._hash != _hash || other._tags.Length != _tags.Length)
        {
            return false;
        }

        for (var i = 0; i < _tags.Length; i++)
        {
            if (!string.Equals(_tags[i].Key, other._tags[i].Key, StringComparison.Ordinal)
                || !string.Equals(_tags[i].Value, other._tags[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as TagSet);

    public override int GetHashCode() => _hash;

    public override string ToString() => string.Join(",", _tags.Select(tag => $"{tag.Key}={tag.Value}"));

    private static TagSet Sorted(KeyValuePair<string, string>[] tags)
    {
        if (tags.Length > 1)
        {
            Array.Sort(tags, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        }

        return new TagSet(tags);
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
