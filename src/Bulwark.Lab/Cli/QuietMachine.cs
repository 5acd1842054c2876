using System.Globalization;
using Bulwark.Lab.Measurement;
using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Cli;

/// <summary>What else the machine was doing: its load averages and test hosts that are not the lab's at one instant,
/// the CPU time all CPUs had spent so far (<c>/proc/stat</c>), and how busy they were since the reading before.</summary>
public sealed record MachineLoad(double OneMinute, double FiveMinutes, IReadOnlyList<int> ForeignTestHosts, CpuJiffies Cpu = default)
{
    /// <summary>Share of all CPUs busy between the previous reading and this one; null for a first reading.</summary>
    public double? BusyShare { get; init; }

    /// <summary>This reading, with how busy the CPUs were since <paramref name="before"/>.</summary>
    public MachineLoad Since(MachineLoad before)
    {
        var total = Cpu.Total - before.Cpu.Total;
        return total > 0 ? this with { BusyShare = (double)(Cpu.Busy - before.Cpu.Busy) / total } : this;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"load {OneMinute:0.00} (5 min {FiveMinutes:0.00}), ")
        + (BusyShare is { } busy ? string.Create(CultureInfo.InvariantCulture, $"CPUs {busy:P0} busy, ") : "")
        + $"{ForeignTestHosts.Count} other test hosts";
}

/// <summary>How quiet the machine must be before a measured run, and how long the lab waits for it.</summary>
/// <param name="MaxLoad">1-minute load average to wait for; 0 means do not wait at all.</param>
/// <param name="MaxBusyShare">
/// Share of all CPUs that may be busy over a short window (<see cref="QuietMachine.CpuWindow"/>), asked before every
/// run: the load average remembers the lab's own last minute, while this sees what still runs now (a checkpoint or a
/// vacuum after heavy writes, a backlog the last run left).
/// </param>
public sealed record QuietPolicy(double MaxLoad, TimeSpan MaxWait, double MaxBusyShare = 0.2)
{
    public static QuietPolicy Default { get; } = new(1.5, TimeSpan.FromMinutes(20));

    public static QuietPolicy None { get; } = new(0, TimeSpan.Zero);

    public bool Enabled => MaxLoad > 0 && MaxWait > TimeSpan.Zero;
}

/// <summary>The load at the start of a measured run, and whether the lab had to give up waiting for quiet.</summary>
public sealed record QuietOutcome(MachineLoad AtStart, TimeSpan Waited, bool GaveUp)
{
    public string Describe() => GaveUp
        ? $"machine not quiet after {Waited.TotalMinutes:0} min of waiting; measured anyway at {AtStart}"
        : $"{AtStart} at start (waited {Waited.TotalSeconds:0} s)";
}

/// <summary>
/// Other engineers build and test on the same 2-core machine, and a benchmark run beside a test
/// suite measures the test suite. Before a measured run the lab waits (bounded) until the 1-minute
/// load average is low and no other test host is running, and records the load it started at.
/// </summary>
public sealed class QuietMachine(QuietPolicy policy, TimeProvider time, ILogger logger, Func<MachineLoad>? read = null)
{
    static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    /// <summary>How long the CPUs are watched before a run that finds no earlier reading.</summary>
    public static TimeSpan CpuWindow { get; } = TimeSpan.FromSeconds(2);

    readonly Func<MachineLoad> _read = read ?? ReadProc;

    /// <summary>
    /// Waits until the machine is quiet: no other test host, CPUs idle but for a share, and with
    /// <paramref name="loadToo"/> a low load average (not asked right after one of the lab's own runs: the
    /// load average still remembers it for minutes).
    /// </summary>
    public async Task<QuietOutcome> WaitAsync(string before, bool loadToo, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var load = _read();
        if (!policy.Enabled) return new QuietOutcome(load, TimeSpan.Zero, GaveUp: false);
        await Task.Delay(CpuWindow, time, ct);
        load = _read().Since(load);

        var said = false;
        while (!IsQuiet(load, policy, loadToo))
        {
            var waited = time.GetElapsedTime(started);
            if (waited >= policy.MaxWait)
            {
                logger.LogWarning("The machine is still busy ({Load}) after {Minutes:0} min: measuring {What} anyway", load, waited.TotalMinutes, before);
                return new QuietOutcome(load, waited, GaveUp: true);
            }
            if (!said)
            {
                logger.LogInformation("Waiting for a quiet machine before {What}: {Load}; want CPUs < {Busy:P0} busy, no other test host{AndLoad}",
                    before, load, policy.MaxBusyShare, loadToo ? string.Create(CultureInfo.InvariantCulture, $" and load < {policy.MaxLoad}") : "");
                said = true;
            }
            await Task.Delay(PollInterval, time, ct);
            load = _read().Since(load);
        }
        return new QuietOutcome(load, time.GetElapsedTime(started), GaveUp: false);
    }

    public static bool IsQuiet(MachineLoad load, QuietPolicy policy, bool loadToo) =>
        load.ForeignTestHosts.Count == 0 && (!loadToo || load.OneMinute < policy.MaxLoad)
        && (load.BusyShare is not { } busy || busy < policy.MaxBusyShare);

    /// <summary>The first two fields of <c>/proc/loadavg</c>.</summary>
    public static (double OneMinute, double FiveMinutes) ParseLoadAverage(string text)
    {
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 2
            || !double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var one)
            || !double.TryParse(fields[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var five))
            throw new FormatException($"Not a /proc/loadavg line: '{text.Trim()}'.");
        return (one, five);
    }

    /// <summary>
    /// Test hosts (<c>testhost</c> in the command line) other than this process and its ancestors: a
    /// lab started from a test (the smoke test) must not wait for itself.
    /// </summary>
    public static IReadOnlyList<int> ForeignTestHosts(IEnumerable<(int Pid, string CommandLine)> processes, IReadOnlySet<int> ownLineage) =>
        [.. processes.Where(p => !ownLineage.Contains(p.Pid) && p.CommandLine.Contains("testhost", StringComparison.OrdinalIgnoreCase)).Select(p => p.Pid)];

    static MachineLoad ReadProc()
    {
        if (!File.Exists("/proc/loadavg")) return new MachineLoad(0, 0, []);
        var (one, five) = ParseLoadAverage(File.ReadAllText("/proc/loadavg"));
        var cpus = ProcessTable.Cpus().Values;
        return new MachineLoad(one, five, ForeignTestHosts(Processes(), OwnLineage()),
            new CpuJiffies(cpus.Sum(cpu => cpu.Busy), cpus.Sum(cpu => cpu.Total)));
    }

    static IEnumerable<(int, string)> Processes()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
            string commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;   // the process ended while we looked
            }
            yield return (pid, commandLine);
        }
    }

    static HashSet<int> OwnLineage()
    {
        var lineage = new HashSet<int>();
        for (var pid = Environment.ProcessId; pid > 1 && lineage.Add(pid);)
        {
            try
            {
                // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                pid = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                break;
            }
        }
        return lineage;
    }
}
