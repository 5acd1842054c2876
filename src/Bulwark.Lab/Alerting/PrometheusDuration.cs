using System.Globalization;

namespace Bulwark.Lab.Alerting;

/// <summary>Prometheus' duration text (<c>5m</c>, <c>1h30m</c>, <c>500ms</c>): units y w d h m s ms, largest first, whole numbers.</summary>
public static class PrometheusDuration
{
    static readonly (string Unit, TimeSpan Size)[] Units =
    [
        ("y", TimeSpan.FromDays(365)), ("w", TimeSpan.FromDays(7)), ("d", TimeSpan.FromDays(1)),
        ("h", TimeSpan.FromHours(1)), ("ms", TimeSpan.FromMilliseconds(1)), ("m", TimeSpan.FromMinutes(1)), ("s", TimeSpan.FromSeconds(1)),
    ];

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var i = 0;
        if (text.Length == 0) return false;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == start || !long.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var number)) return false;
            var unit = Units.FirstOrDefault(u => string.CompareOrdinal(text, i, u.Unit, 0, u.Unit.Length) == 0
                && !(u.Unit == "m" && i + 1 < text.Length && text[i + 1] == 's'));
            if (unit.Unit is null) return false;
            duration += unit.Size * number;
            i += unit.Unit.Length;
        }
        return true;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var duration) ? duration : throw new FormatException($"'{text}' is not a Prometheus duration.");

    /// <summary>In the largest unit that divides it (<c>5m</c>, <c>30s</c>, <c>90s</c>, <c>1500ms</c>), rounded to the millisecond.</summary>
    public static string Format(TimeSpan duration)
    {
        var ms = (long)Math.Round(duration.TotalMilliseconds);
        if (ms == 0) return "0s";
        foreach (var (unit, size) in new[] { ("h", 3_600_000L), ("m", 60_000L), ("s", 1_000L) })
            if (ms % size == 0) return string.Create(CultureInfo.InvariantCulture, $"{ms / size}{unit}");
        return string.Create(CultureInfo.InvariantCulture, $"{ms}ms");
    }
}
