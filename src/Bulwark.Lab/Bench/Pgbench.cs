using System.Globalization;
using System.Text.RegularExpressions;
using Bulwark.Lab.Measurement;
using Bulwark.Lab.Orchestration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bulwark.Lab.Bench;

/// <summary>One pgbench run: transactions per second and latency percentiles from its per-transaction log.</summary>
public sealed record PgbenchResult(string Script, int Clients, double Seconds, long Transactions, long Failed, double Tps, double P50Ms, double P99Ms);

/// <summary>
/// The database ceiling: pgbench running the shop's own SQL (<c>Bench/pgbench/*.sql</c>) against the
/// same PostgreSQL the shop uses, from this machine, in the same session as the HTTP measurement it
/// is compared with. Extended protocol, unprepared, as Npgsql and Dapper send the shop's statements.
/// </summary>
/// <param name="cpus">The load side's CPUs: pgbench is load, not the system under test.</param>
public sealed partial class Pgbench(string connectionString, string scriptDirectory, string workDirectory, ILogger logger, CpuSet? cpus = null)
{
    public const string Executable = "pgbench";
    public const string BrowseScript = "browse.sql";
    public const string CheckoutScript = "checkout.sql";

    /// <summary>The hot row alone: one conditional stock update per transaction (issue 11's yardstick for a sell-out).</summary>
    public const string SingleRowScript = "single-row.sql";

    int _runs;

    /// <summary>The scripts as they ship beside the lab's binaries.</summary>
    public static string DefaultScriptDirectory => Path.Combine(AppContext.BaseDirectory, "Bench", "pgbench");

    /// <summary>
    /// Runs <paramref name="script"/> with <paramref name="clients"/> connections for
    /// <paramref name="duration"/>; <paramref name="variables"/> become <c>-D name=value</c>.
    /// </summary>
    public async Task<PgbenchResult> RunAsync(string script, int clients, TimeSpan duration, IReadOnlyDictionary<string, string> variables, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var logDirectory = Path.Combine(workDirectory, $"pgbench-{Path.GetFileNameWithoutExtension(script)}-{clients}-{Guid.NewGuid():N}"[..48]);
        Directory.CreateDirectory(logDirectory);
        var prefix = Path.Combine(logDirectory, "tx");
        List<string> arguments =
        [
            "-n",                                  // no VACUUM of pgbench's own tables: we use the shop's
            "-M", "extended",
            "-c", clients.ToString(CultureInfo.InvariantCulture),
            "-j", Math.Min(clients, cpus?.Count ?? Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture),
            "-T", Math.Max(1, (int)Math.Round(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
            "-l", "--log-prefix", prefix,
            "-f", Path.Combine(scriptDirectory, script),
        ];
        foreach (var (name, value) in variables) arguments.AddRange(["-D", $"{name}={value}"]);
        arguments.Add(builder.Database ?? "bulwark");

        var environment = new Dictionary<string, string>
        {
            ["PGHOST"] = builder.Host ?? "127.0.0.1",
            ["PGPORT"] = builder.Port.ToString(CultureInfo.InvariantCulture),
            ["PGUSER"] = builder.Username ?? "postgres",
            ["PGPASSWORD"] = builder.Password ?? "",
            ["PGAPPNAME"] = "bulwark-lab-pgbench",
        };
        var outputLog = Path.Combine(workDirectory, $"pgbench-{Path.GetFileNameWithoutExtension(script)}-{clients}-{Interlocked.Increment(ref _runs)}.log");
        await using var process = ChildProcess.Start("pgbench", Executable, arguments, workDirectory, outputLog, environment, cpus);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(duration + TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(bound.Token);
        var output = process.Tail();   // pgbench's summary is about 20 lines: the tail holds all of it
        if (process.ExitCode != 0)
        {
            var error = output.Split('\n').FirstOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)) ?? output.Split('\n').LastOrDefault(l => l.Length > 0);
            throw new InvalidOperationException($"pgbench {script} with {clients} clients failed (exit {process.ExitCode}): {error?.Trim()}; see {outputLog}");
        }

        var histogram = new LatencyHistogram();
        long failed = 0;
        foreach (var file in Directory.EnumerateFiles(logDirectory))
            foreach (var line in File.ReadLines(file))
                if (ParseLogLine(line) is { } entry)
                {
                    if (entry.Failed) failed++;
                    else histogram.RecordMicros(entry.LatencyMicros);
                }
        Directory.Delete(logDirectory, recursive: true);

        var tps = ParseTps(output) ?? throw new InvalidOperationException($"pgbench printed no tps; see {outputLog}");
        var result = new PgbenchResult(script, clients, duration.TotalSeconds, histogram.Count, failed, tps, histogram.PercentileMs(50), histogram.PercentileMs(99));
        logger.LogInformation("pgbench {Script} × {Clients}: {Tps:0} tps, p50 {P50:0.0} ms, p99 {P99:0.0} ms", script, clients, result.Tps, result.P50Ms, result.P99Ms);
        return result;
    }

    /// <summary>
    /// The "tps = N (without initial connection time)" line; older pgbench prints "excluding connections establishing".
    /// A run that completed no transaction (a starved server in a short step) prints no tps line: that is 0, not unreadable.
    /// </summary>
    public static double? ParseTps(string output)
    {
        double? any = NothingProcessed().IsMatch(output) ? 0 : null;
        foreach (Match match in TpsLine().Matches(output))
        {
            var value = double.Parse(match.Groups["tps"].Value, CultureInfo.InvariantCulture);
            if (match.Value.Contains("without", StringComparison.Ordinal) || match.Value.Contains("excluding", StringComparison.Ordinal)) return value;
            any = value;
        }
        return any;
    }

    /// <summary>
    /// One line of pgbench's per-transaction log: <c>client_id transaction_no time script_no time_epoch time_us</c>,
    /// where <c>time</c> is the latency in µs, or <c>failed</c>/<c>skipped</c> instead of it.
    /// </summary>
    public static (long LatencyMicros, bool Failed)? ParseLogLine(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 6) return null;
        if (fields[2] is "failed" or "skipped") return (0, true);
        return long.TryParse(fields[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var micros) ? (micros, false) : null;
    }

    [GeneratedRegex(@"^number of transactions actually processed: 0\s*$", RegexOptions.Multiline)]
    private static partial Regex NothingProcessed();

    [GeneratedRegex(@"tps = (?<tps>[0-9]+(\.[0-9]+)?)[^\n]*")]
    private static partial Regex TpsLine();
}
