using System.Globalization;
using System.Text.RegularExpressions;
using Bulwark.Lab.Orchestration;
using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Bench;

/// <summary>What one wrk run reported.</summary>
public sealed record WrkResult(int Connections, double Seconds, long Requests, double Rps, double P50Ms, double P99Ms, long Non2xx, long SocketErrors)
{
    /// <summary>2xx answers per second: a fast 503 is not a page served, so it does not count toward the rate compared with pgbench.</summary>
    public double SuccessRps => Seconds > 0 ? (Requests - Non2xx) / Seconds : 0;
}

/// <summary>
/// wrk (Debian's, closed loop) against the shop's category pages. A Lua script draws the category
/// and page per request as the lab's browse traffic does, so the shop's cache sees the same spread
/// as in the lab's own runs. wrk sends from one address: the baseline switches the guard's
/// per-client limit off, or every request after the first 100 would be a 429.
/// </summary>
public sealed partial class Wrk(Uri target, string workDirectory, ILogger logger, CpuSet? cpus = null)
{
    public const string Executable = "wrk";

    const string BrowseScript = """
        -- Category pages drawn as the lab's browse traffic draws them: any of 50 categories, early pages
        -- far more often (page - 1 about 1.5 times an exponential variable, at most 10 pages of 20).
        math.randomseed(1)
        request = function()
          local category = math.random(1, 50)
          local page = 1 + math.min(9, math.floor(-math.log(1 - math.random()) * 1.5))
          return wrk.format("GET", "/api/products?category=" .. category .. "&page=" .. page .. "&pageSize=20")
        end
        """;

    public async Task<WrkResult> BrowseAsync(int connections, TimeSpan duration, CancellationToken ct)
    {
        var script = Path.Combine(workDirectory, "browse.lua");
        await File.WriteAllTextAsync(script, BrowseScript, ct);
        var seconds = Math.Max(1, (int)Math.Round(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var log = Path.Combine(workDirectory, $"wrk-browse-{connections}.log");
        await using var process = ChildProcess.Start("wrk", Executable,
            ["-t", Math.Min(connections, cpus?.Count ?? Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
             "-d", seconds + "s", "--timeout", "20s", "--latency", "-s", script, target.ToString().TrimEnd('/')],
            workDirectory, log, cpus: cpus);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(duration + TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(bound.Token);
        var output = process.Tail();
        if (process.ExitCode != 0) throw new InvalidOperationException($"wrk failed (exit {process.ExitCode}); see {log}:{Environment.NewLine}{output}");
        var result = Parse(output, connections);
        logger.LogInformation("wrk browse × {Connections}: {Rps:0} 2xx/s ({All:0} answers/s), p50 {P50:0.0} ms, p99 {P99:0.0} ms, {Non2xx} non-2xx",
            connections, result.SuccessRps, result.Rps, result.P50Ms, result.P99Ms, result.Non2xx);
        return result;
    }

    /// <summary>Reads wrk's summary (with <c>--latency</c>): requests, Requests/sec, the 50% and 99% lines, non-2xx and socket errors.</summary>
    public static WrkResult Parse(string output, int connections)
    {
        var requests = RequestsLine().Match(output);
        var rps = RpsLine().Match(output);
        if (!requests.Success || !rps.Success) throw new FormatException($"Not wrk output:{Environment.NewLine}{output}");
        var non2xx = Non2xxLine().Match(output);
        var socket = SocketErrorsLine().Match(output);
        return new WrkResult(
            connections,
            Duration(requests.Groups["value"].Value, requests.Groups["unit"].Value) / 1000,
            long.Parse(requests.Groups["count"].Value, CultureInfo.InvariantCulture),
            double.Parse(rps.Groups["rps"].Value, CultureInfo.InvariantCulture),
            Percentile(output, "50"),
            Percentile(output, "99"),
            non2xx.Success ? long.Parse(non2xx.Groups["count"].Value, CultureInfo.InvariantCulture) : 0,
            socket.Success ? new[] { "connect", "read", "write", "timeout" }.Sum(g => long.Parse(socket.Groups[g].Value, CultureInfo.InvariantCulture)) : 0);
    }

    static double Percentile(string output, string percent)
    {
        var match = Regex.Match(output, $@"^\s*{percent}(\.0+)?%\s+(?<value>[0-9.]+)(?<unit>us|ms|s|m)\s*$", RegexOptions.Multiline);
        return match.Success ? Duration(match.Groups["value"].Value, match.Groups["unit"].Value) : double.NaN;
    }

    /// <summary>A wrk duration in milliseconds.</summary>
    static double Duration(string value, string unit)
    {
        var number = double.Parse(value, CultureInfo.InvariantCulture);
        return unit switch
        {
            "us" => number / 1000,
            "ms" => number,
            "s" => number * 1000,
            "m" => number * 60_000,
            "h" => number * 3_600_000,
            _ => throw new FormatException($"Unknown wrk unit '{unit}'."),
        };
    }

    [GeneratedRegex(@"(?<count>[0-9]+) requests in (?<value>[0-9.]+)(?<unit>us|ms|s|m|h),")]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"Requests/sec:\s+(?<rps>[0-9.]+)")]
    private static partial Regex RpsLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(?<count>[0-9]+)")]
    private static partial Regex Non2xxLine();

    [GeneratedRegex(@"Socket errors: connect (?<connect>[0-9]+), read (?<read>[0-9]+), write (?<write>[0-9]+), timeout (?<timeout>[0-9]+)")]
    private static partial Regex SocketErrorsLine();
}
