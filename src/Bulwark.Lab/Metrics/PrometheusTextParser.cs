using System.Globalization;
using System.Text;

namespace Bulwark.Lab.Metrics;

/// <summary>
/// Reads the Prometheus text exposition format (version 0.0.4, also what OpenTelemetry's
/// Prometheus exporter writes): comment and TYPE/HELP lines are skipped, samples are parsed with
/// their labels, escaped label values are unescaped, and +Inf/-Inf/NaN values are understood.
/// </summary>
/// <remarks>
/// The lab only needs a few gauges and counters from the shop, but the page it reads is the whole
/// exposition, so a line that does not parse is reported as an error rather than silently skipped:
/// a malformed page means the numbers beside it cannot be trusted either.
/// </remarks>
public static class PrometheusTextParser
{
    public static IReadOnlyList<PrometheusSample> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var samples = new List<PrometheusSample>();
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            samples.Add(ParseSample(line, lineNumber));
        }
        return samples;
    }

    static PrometheusSample ParseSample(string line, int lineNumber)
    {
        var position = 0;
        var name = ReadName(line, ref position);
        if (name.Length == 0) throw Malformed(lineNumber, "expected a metric name");

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (position < line.Length && line[position] == '{')
        {
            position++;
            ReadLabels(line, ref position, labels, lineNumber);
        }

        SkipSpaces(line, ref position);
        var valueStart = position;
        while (position < line.Length && !char.IsWhiteSpace(line[position])) position++;
        var valueText = line[valueStart..position];
        if (valueText.Length == 0) throw Malformed(lineNumber, $"sample '{name}' has no value");
        // Anything after the value is an optional timestamp, which the lab has no use for.
        return new PrometheusSample(name, labels, ParseValue(valueText, lineNumber));
    }

    static void ReadLabels(string line, ref int position, Dictionary<string, string> labels, int lineNumber)
    {
        while (true)
        {
            SkipSpaces(line, ref position);
            if (position >= line.Length) throw Malformed(lineNumber, "unterminated label set");
            if (line[position] == '}')
            {
                position++;
                return;
            }

            var labelName = ReadName(line, ref position);
            if (labelName.Length == 0) throw Malformed(lineNumber, "expected a label name");
            SkipSpaces(line, ref position);
            if (position >= line.Length || line[position] != '=') throw Malformed(lineNumber, $"expected '=' after label '{labelName}'");
            position++;
            SkipSpaces(line, ref position);
            if (position >= line.Length || line[position] != '"') throw Malformed(lineNumber, $"label '{labelName}' value must be quoted");
            position++;
            labels[labelName] = ReadQuoted(line, ref position, lineNumber);

            SkipSpaces(line, ref position);
            if (position < line.Length && line[position] == ',') position++;
        }
    }

    static string ReadQuoted(string line, ref int position, int lineNumber)
    {
        var value = new StringBuilder();
        while (position < line.Length)
        {
            var c = line[position++];
            if (c == '"') return value.ToString();
            if (c != '\\')
            {
                value.Append(c);
                continue;
            }
            if (position >= line.Length) break;
            var escaped = line[position++];
            value.Append(escaped switch
            {
                'n' => '\n',
                '\\' => '\\',
                '"' => '"',
                _ => throw Malformed(lineNumber, $"unknown escape '\\{escaped}' in a label value"),
            });
        }
        throw Malformed(lineNumber, "unterminated label value");
    }

    static string ReadName(string line, ref int position)
    {
        var start = position;
        while (position < line.Length && IsNameChar(line[position], position == start)) position++;
        return line[start..position];
    }

    static bool IsNameChar(char c, bool first) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' or ':' || (!first && c is >= '0' and <= '9');

    static void SkipSpaces(string line, ref int position)
    {
        while (position < line.Length && line[position] is ' ' or '\t') position++;
    }

    static double ParseValue(string text, int lineNumber) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) => value,
        _ => throw Malformed(lineNumber, $"'{text}' is not a number"),
    };

    static FormatException Malformed(int lineNumber, string why) => new($"Prometheus text line {lineNumber}: {why}.");
}
