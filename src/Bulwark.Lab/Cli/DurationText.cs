using System.Globalization;

namespace Bulwark.Lab.Cli;

/// <summary>Durations as people type them: <c>90s</c>, <c>2m</c>, <c>1m30s</c>, <c>500ms</c>, or <c>00:01:30</c>.</summary>
public static class DurationText
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        text = text.Trim();
        if (text.Length == 0) return false;
        if (text.Contains(':')) return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero;

        var total = TimeSpan.Zero;
        var position = 0;
        while (position < text.Length)
        {
            var start = position;
            while (position < text.Length && (char.IsAsciiDigit(text[position]) || text[position] == '.')) position++;
            if (!double.TryParse(text[start..position], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)) return false;
            var unitStart = position;
            while (position < text.Length && char.IsAsciiLetter(text[position])) position++;
            TimeSpan? part = text[unitStart..position].ToLowerInvariant() switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" or "" => TimeSpan.FromSeconds(amount),
                "m" or "min" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => null,
            };
            if (part is null) return false;
            total += part.Value;
        }
        duration = total;
        return total > TimeSpan.Zero;
    }
}
