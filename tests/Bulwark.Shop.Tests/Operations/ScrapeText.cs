using System.Globalization;
using System.Text.RegularExpressions;

namespace Bulwark.Shop.Tests.Operations;

/// <summary>Reads samples out of a Prometheus text exposition, as a scraper would.</summary>
public static partial class ScrapeText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public static IEnumerable<Sample> Samples(string exposition)
    {
        foreach (var line in exposition.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"Not a sample line: {line}");
            var labels = LabelPair().Matches(match.Groups["labels"].Value)
                .ToDictionary(pair => pair.Groups[1].Value, pair => Unescape(pair.Groups[2].Value), StringComparer.Ordinal);
            var value = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var text => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            yield return new Sample(match.Groups["name"].Value, labels, value);
        }
    }

    /// <summary>Sum of the samples with this name whose labels include all of <paramref name="labels"/>; null when none match.</summary>
    public static double? Sum(string exposition, string name, params (string Label, string Value)[] labels)
    {
        var matching = Samples(exposition)
            .Where(sample => sample.Name == name && labels.All(label => sample.Labels.GetValueOrDefault(label.Label) == label.Value))
            .ToList();
        return matching.Count == 0 ? null : matching.Sum(sample => sample.Value);
    }

    private static string Unescape(string value) =>
        value.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?<labels>.*)\})? (?<value>\S+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
