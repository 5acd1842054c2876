using System.Globalization;
using System.Net;
using System.Text;

namespace Bulwark.Lab.Reports;

/// <summary>One line on a chart; null values leave a gap (a missing scrape is not a zero).</summary>
public sealed record ChartLine(string Name, string Color, IReadOnlyList<double?> Values, bool Dashed = false);

/// <summary>A vertical marker, e.g. the moment a bad configuration was deployed.</summary>
public sealed record ChartMarker(double AtSeconds, string Label);

/// <summary>
/// A line chart as inline SVG: axes, gridlines, legend, markers. Generated here so the HTML report
/// is one file that opens offline, with no script or stylesheet to fetch.
/// </summary>
public static class SvgLineChart
{
    const int Width = 860, Height = 280;
    const int Left = 64, Right = 16, Top = 36, Bottom = 36;
    const int PlotWidth = Width - Left - Right, PlotHeight = Height - Top - Bottom;

    public static string Render(string title, string yLabel, IReadOnlyList<ChartLine> lines, IReadOnlyList<ChartMarker>? markers = null, bool logScale = false)
    {
        var points = lines.SelectMany(l => l.Values).OfType<double>().Where(double.IsFinite).ToList();
        var xMax = Math.Max(1, lines.Select(l => l.Values.Count).DefaultIfEmpty(1).Max() - 1);
        IScale scale = logScale ? LogScale.For(points) : LinearScale.For(points);

        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-label=\"{Html(title)}\">"));
        svg.Append(Invariant($"<text x=\"{Left}\" y=\"18\" class=\"chart-title\">{Html(title)}</text>"));
        svg.Append(Invariant($"<text x=\"14\" y=\"{Top + PlotHeight / 2}\" class=\"axis-label\" transform=\"rotate(-90 14 {Top + PlotHeight / 2})\" text-anchor=\"middle\">{Html(yLabel)}</text>"));

        foreach (var tick in scale.Ticks)
        {
            var y = Top + PlotHeight * (1 - scale.Position(tick));
            svg.Append(Invariant($"<line x1=\"{Left}\" x2=\"{Left + PlotWidth}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\" class=\"grid\"/>"));
            svg.Append(Invariant($"<text x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\" class=\"tick\">{FormatTick(tick)}</text>"));
        }
        foreach (var second in XTicks(xMax))
        {
            var x = Left + PlotWidth * second / xMax;
            svg.Append(Invariant($"<text x=\"{x:0.#}\" y=\"{Top + PlotHeight + 16}\" text-anchor=\"middle\" class=\"tick\">{second} s</text>"));
        }
        svg.Append(Invariant($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{PlotWidth}\" height=\"{PlotHeight}\" class=\"frame\"/>"));

        foreach (var marker in markers ?? [])
        {
            var x = Left + PlotWidth * Math.Clamp(marker.AtSeconds / xMax, 0, 1);
            svg.Append(Invariant($"<line x1=\"{x:0.#}\" x2=\"{x:0.#}\" y1=\"{Top}\" y2=\"{Top + PlotHeight}\" class=\"marker\"/>"));
            svg.Append(Invariant($"<text x=\"{x + 3:0.#}\" y=\"{Top + 12}\" class=\"marker-label\">{Html(marker.Label)}</text>"));
        }

        foreach (var line in lines)
        {
            var path = PathOf(line.Values, xMax, scale);
            if (path.Length == 0) continue;
            var dash = line.Dashed ? " stroke-dasharray=\"6 4\"" : "";
            svg.Append($"<path d=\"{path}\" fill=\"none\" stroke=\"{Html(line.Color)}\" stroke-width=\"2\"{dash} data-series=\"{Html(line.Name)}\"/>");
        }

        var legendX = Left + 8.0;
        foreach (var line in lines)
        {
            svg.Append(Invariant($"<rect x=\"{legendX:0.#}\" y=\"{Top + PlotHeight + 24}\" width=\"12\" height=\"4\" fill=\"{Html(line.Color)}\"/>"));
            svg.Append(Invariant($"<text x=\"{legendX + 16:0.#}\" y=\"{Top + PlotHeight + 30}\" class=\"legend\">{Html(line.Name)}</text>"));
            legendX += 28 + line.Name.Length * 7;
        }
        if (points.Count == 0)
            svg.Append(Invariant($"<text x=\"{Left + PlotWidth / 2}\" y=\"{Top + PlotHeight / 2}\" text-anchor=\"middle\" class=\"empty\">no data (series not exported)</text>"));

        svg.Append("</svg>");
        return svg.ToString();
    }

    static string PathOf(IReadOnlyList<double?> values, int xMax, IScale scale)
    {
        var path = new StringBuilder();
        var penDown = false;
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is not { } v || !double.IsFinite(v))
            {
                penDown = false;
                continue;
            }
            var x = Left + PlotWidth * (double)i / xMax;
            var y = Top + PlotHeight * (1 - Math.Clamp(scale.Position(v), 0, 1));
            path.Append(penDown ? 'L' : 'M').Append(Invariant($"{x:0.#},{y:0.#} "));
            penDown = true;
        }
        return path.ToString().TrimEnd();
    }

    static IEnumerable<int> XTicks(int xMax)
    {
        var step = NiceStep(xMax / 8.0);
        for (var s = 0.0; s <= xMax + 1e-9; s += step) yield return (int)Math.Round(s);
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>.</summary>
    internal static double NiceStep(double rough)
    {
        if (rough <= 0 || !double.IsFinite(rough)) return 1;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var fraction = rough / magnitude;
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
    }

    static string FormatTick(double value) =>
        value >= 10_000 ? (value / 1000).ToString("0.#k", CultureInfo.InvariantCulture)
        : value.ToString(value >= 10 || value == 0 ? "0" : "0.###", CultureInfo.InvariantCulture);

    static string Html(string text) => WebUtility.HtmlEncode(text);

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    interface IScale
    {
        IReadOnlyList<double> Ticks { get; }
        double Position(double value);
    }

    sealed class LinearScale(double max, IReadOnlyList<double> ticks) : IScale
    {
        public IReadOnlyList<double> Ticks => ticks;
        public double Position(double value) => value / max;

        public static LinearScale For(IReadOnlyList<double> values)
        {
            var top = values.Count == 0 ? 1 : Math.Max(values.Max(), 1e-9);
            var step = NiceStep(top / 5);
            var max = Math.Ceiling(top / step) * step;
            var ticks = new List<double>();
            for (var t = 0.0; t <= max + step / 2; t += step) ticks.Add(t);
            return new LinearScale(max, ticks);
        }
    }

    /// <summary>Latency spans milliseconds to many seconds; a log axis keeps the fast mode's line visible beside the slow one.</summary>
    sealed class LogScale(double min, double max, IReadOnlyList<double> ticks) : IScale
    {
        public IReadOnlyList<double> Ticks => ticks;

        public double Position(double value) =>
            value <= min ? 0 : (Math.Log10(value) - Math.Log10(min)) / (Math.Log10(max) - Math.Log10(min));

        public static LogScale For(IReadOnlyList<double> values)
        {
            var positive = values.Where(v => v > 0).ToList();
            var low = Math.Pow(10, Math.Floor(Math.Log10(positive.Count == 0 ? 1 : positive.Min())));
            var high = Math.Pow(10, Math.Ceiling(Math.Log10(positive.Count == 0 ? 10 : positive.Max())));
            if (high <= low) high = low * 10;
            var ticks = new List<double>();
            for (var t = low; t <= high * 1.0001; t *= 10) ticks.Add(t);
            return new LogScale(low, high, ticks);
        }
    }
}
