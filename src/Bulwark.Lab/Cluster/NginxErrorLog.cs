using System.Text.RegularExpressions;

namespace Bulwark.Lab.Cluster;

/// <summary>
/// Why nginx answered itself, from its error log: each line's message without the request, client and
/// connection numbers ("no live upstreams while connecting to upstream", "upstream timed out (110: Connection
/// timed out) while connecting to upstream"…), counted. A 502 from a dead instance and a 502 because every
/// instance was marked failed (<c>max_fails</c>) look the same to a client; the log tells them apart.
/// </summary>
public static partial class NginxErrorLog
{
    public static IReadOnlyDictionary<string, long> Reasons(IEnumerable<string> lines)
    {
        var reasons = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            if (Entry().Match(line) is not { Success: true } match) continue;
            var reason = $"[{match.Groups["level"].Value}] {match.Groups["message"].Value.Trim()}";
            reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
        }
        return reasons;
    }

    /// <summary>The reasons in <paramref name="path"/> (none when nginx never wrote it).</summary>
    public static async Task<IReadOnlyDictionary<string, long>> ReadAsync(string path, CancellationToken ct) =>
        File.Exists(path) ? Reasons(await File.ReadAllLinesAsync(path, ct)) : new Dictionary<string, long>();

    // 2026/12/02 08:53:01 [error] 123#123: *456 no live upstreams while connecting to upstream, client: 127.0.0.2, server: _, …
    [GeneratedRegex(@"^\S+ \S+ \[(?<level>error|warn|alert|crit|emerg)\] \d+#\d+: (?:\*\d+ )?(?<message>[^,]+)")]
    private static partial Regex Entry();
}
