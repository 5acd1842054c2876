using System.Text;

namespace Bulwark.Shop.Operations.Metrics;

/// <summary>
/// OpenTelemetry names to Prometheus names, following the OpenTelemetry specification's Prometheus
/// compatibility rules as the OpenTelemetry Prometheus exporter applies them, so dashboards and alert
/// rules written against that exporter work unchanged: <c>http.server.request.duration</c> (s) becomes
/// <c>http_server_request_duration_seconds</c>, a counter gains <c>_total</c>.
/// </summary>
public static class PrometheusNaming
{
    public static string MetricName(string name, string? unit, MetricKind kind)
    {
        var result = Sanitize(name, allowColon: true);
        var unitSuffix = string.IsNullOrEmpty(unit) ? "" : UnitSuffix(unit);
        if (unitSuffix.Length > 0
            && !result.EndsWith(unitSuffix, StringComparison.Ordinal)
            && !(kind == MetricKind.Counter && result.EndsWith(unitSuffix + "_total", StringComparison.Ordinal)))
        {
            result += "_" + unitSuffix;
        }

        if (kind == MetricKind.Counter && !result.EndsWith("_total", StringComparison.Ordinal))
        {
            result += "_total";
        }

        // A dimensionless gauge is a ratio; a dimensionless counter is just a count.
        if (kind == MetricKind.Gauge && unit == "1" && !result.EndsWith("_ratio", StringComparison.Ordinal))
        {
            result += "_ratio";
        }

        return result;
    }

    /// <summary>Attribute names become label names: <c>db.client.connection.state</c> → <c>db_client_connection_state</c>.</summary>
    public static string LabelName(string name) => Sanitize(name, allowColon: false);

    /// <summary>
    /// The UCUM unit as a name suffix: annotations (<c>{request}</c>) are dropped, abbreviations spelt out
    /// (<c>s</c> → <c>seconds</c>, <c>By</c> → <c>bytes</c>), rates written <c>x_per_y</c>, and <c>1</c> left empty.
    /// </summary>
    public static string UnitSuffix(string unit)
    {
        var bare = WithoutAnnotations(unit);
        var slash = bare.IndexOf('/', StringComparison.Ordinal);
        var spelt = slash >= 0 && slash < bare.Length - 1
            ? JoinPer(SpellUnit(bare[..slash]), SpellPerUnit(bare[(slash + 1)..]))
            : SpellUnit(bare);
        return Sanitize(spelt, allowColon: false).Trim('_');
    }

    private static string JoinPer(string unit, string per) => unit.Length == 0 ? "per_" + per : unit + "_per_" + per;

    private static string WithoutAnnotations(string unit)
    {
        if (!unit.Contains('{', StringComparison.Ordinal))
        {
            return unit;
        }

        var text = new StringBuilder(unit.Length);
        var depth = 0;
        foreach (var c in unit)
        {
            if (c == '{')
            {
                depth++;
            }
            else if (c == '}' && depth > 0)
            {
                depth--;
            }
            else if (depth == 0)
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    private static string SpellUnit(string unit) => unit switch
    {
        "d" => "days",
        "h" => "hours",
        "min" => "minutes",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" or "B" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "GiBy" => "gibibytes",
        "TiBy" => "tibibytes",
        "KBy" or "KB" => "kilobytes",
        "MBy" or "MB" => "megabytes",
        "GBy" or "GB" => "gigabytes",
        "TBy" or "TB" => "terabytes",
        "m" => "meters",
        "V" => "volts",
        "A" => "amperes",
        "J" => "joules",
        "W" => "watts",
        "g" => "grams",
        "Cel" => "celsius",
        "Hz" => "hertz",
        "1" => "",
        "%" => "percent",
        "$" => "dollars",
        _ => unit,
    };

    private static string SpellPerUnit(string unit) => unit switch
    {
        "s" => "second",
        "m" => "minute",
        "h" => "hour",
        "d" => "day",
        "w" => "week",
        "mo" => "month",
        "y" => "year",
        _ => unit,
    };

    /// <summary>
    /// Anything outside <c>[a-zA-Z0-9_]</c> (and <c>:</c> in metric names) becomes <c>_</c>, runs of
    /// <c>_</c> collapse to one, and a leading digit (never valid there) becomes <c>_</c> too.
    /// </summary>
    private static string Sanitize(string name, bool allowColon)
    {
        var text = new StringBuilder(name.Length + 1);
        var lastWasUnderscore = false;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (i == 0 && char.IsAsciiDigit(c))
            {
                text.Append('_');
                lastWasUnderscore = true;
                continue;
            }

            if (char.IsAsciiLetterOrDigit(c) || (allowColon && c == ':'))
            {
                text.Append(c);
                lastWasUnderscore = false;
            }
            else if (!lastWasUnderscore)
            {
                text.Append('_');
                lastWasUnderscore = true;
            }
        }

        return text.ToString();
    }
}
