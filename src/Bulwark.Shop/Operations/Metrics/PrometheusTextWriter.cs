using System.Globalization;
using System.Text;

namespace Bulwark.Shop.Operations.Metrics;

/// <summary>
/// Writes a collection in the Prometheus text exposition format, version 0.0.4. Instruments that map to
/// the same Prometheus name (the guard and Npgsql both publish <c>db.client.connection.count</c>) form one
/// family; the <c>otel_scope_name</c> label, as the OpenTelemetry exporter writes it, tells their series apart.
/// </summary>
public static class PrometheusTextWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public const string ScopeLabel = "otel_scope_name";

    public static string Write(CollectedMetrics metrics)
    {
        var text = new StringBuilder(16 * 1024);
        foreach (var family in Families(metrics))
        {
            text.Append("# HELP ").Append(family.Name).Append(' ').Append(EscapeHelp(family.Help)).Append('\n');
            text.Append("# TYPE ").Append(family.Name).Append(' ').Append(TypeName(family.Kind)).Append('\n');
            foreach (var (scope, point) in family.Points)
            {
                if (point.Histogram is { } histogram)
                {
                    WriteHistogram(text, family.Name, scope, point.Tags, histogram);
                }
                else
                {
                    WriteSample(text, family.Name, scope, point.Tags, null, point.Value);
                }
            }
        }

        return text.ToString();
    }

    private static IEnumerable<Family> Families(CollectedMetrics metrics)
    {
        var families = new Dictionary<string, Family>(StringComparer.Ordinal);
        foreach (var instrument in metrics.Instruments)
        {
            var name = PrometheusNaming.MetricName(instrument.Name, instrument.Unit, instrument.Kind);
            if (!families.TryGetValue(name, out var family))
            {
                // Prometheus wants help text; an instrument without a description is described by its own name.
                var help = string.IsNullOrWhiteSpace(instrument.Description) ? instrument.Name : instrument.Description;
                family = new Family(name, instrument.Kind, help);
                families[name] = family;
            }
            else if (family.Kind != instrument.Kind)
            {
                // One family has one type: an instrument that disagrees cannot be written under this name.
                continue;
            }

            family.Points.AddRange(instrument.Points.Select(point => (instrument.MeterName, point)));
        }

        return families.Values.OrderBy(family => family.Name, StringComparer.Ordinal);
    }

    private static void WriteHistogram(StringBuilder text, string name, string scope, TagSet tags, HistogramData histogram)
    {
        long cumulative = 0;
        for (var i = 0; i < histogram.Bounds.Count; i++)
        {
            cumulative += histogram.Counts[i];
            WriteSample(text, name + "_bucket", scope, tags, FormatValue(histogram.Bounds[i]), cumulative);
        }

        WriteSample(text, name + "_bucket", scope, tags, "+Inf", histogram.Count);
        WriteSample(text, name + "_sum", scope, tags, null, histogram.Sum);
        WriteSample(text, name + "_count", scope, tags, null, histogram.Count);
    }

    private static void WriteSample(StringBuilder text, string name, string scope, TagSet tags, string? le, double value)
    {
        text.Append(name).Append('{');
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, tagValue) in tags.Tags)
        {
            // Two attributes that sanitize to one label name (a.b and a_b) would make the sample invalid: first wins.
            var label = PrometheusNaming.LabelName(key);
            if (label is ScopeLabel or "le" || !seen.Add(label))
            {
                continue;
            }

            AppendLabel(text, label, tagValue);
        }

        AppendLabel(text, ScopeLabel, scope);
        if (le is not null)
        {
            AppendLabel(text, "le", le);
        }

        text.Length--; // the last label's comma
        text.Append("} ").Append(FormatValue(value)).Append('\n');
    }

    private static void AppendLabel(StringBuilder text, string name, string value) =>
        text.Append(name).Append("=\"").Append(EscapeLabelValue(value)).Append("\",");

    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Label values escape backslash, double quote and line feed.</summary>
    public static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Help text escapes backslash and line feed (quotes are fine there).</summary>
    public static string EscapeHelp(string help) =>
        help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string TypeName(MetricKind kind) => kind switch
    {
        MetricKind.Counter => "counter",
        MetricKind.Gauge => "gauge",
        MetricKind.Histogram => "histogram",
        _ => "untyped",
    };

    private sealed class Family(string name, MetricKind kind, string help)
    {
        public string Name { get; } = name;

        public MetricKind Kind { get; } = kind;

        public string Help { get; } = help;

        public List<(string Scope, MetricPoint Point)> Points { get; } = [];
    }
}
