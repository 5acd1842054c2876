using System.Diagnostics;
using System.Globalization;
using Bulwark.Lab.Measurement;

namespace Bulwark.Lab.Orchestration;

/// <summary>
/// Puts processes on CPU sets with util-linux's taskset and reads back where the kernel lets them
/// run. A child is started under <c>taskset -c LIST</c>, which execs the program in place (same
/// pid); a running process is moved with <c>taskset -a -p</c>, which covers all its threads.
/// </summary>
public static class CpuAffinity
{
    public const string Taskset = "taskset";

    /// <summary>The command that runs <paramref name="fileName"/> on <paramref name="cpus"/> (unchanged when null).</summary>
    public static (string FileName, IReadOnlyList<string> Arguments) Under(CpuSet? cpus, string fileName, IEnumerable<string> arguments) =>
        cpus is null ? (fileName, [.. arguments]) : (Taskset, ["-c", cpus.ToString(), fileName, .. arguments]);

    /// <summary>The CPUs the kernel lets <paramref name="pid"/> run on, from <c>/proc/&lt;pid&gt;/status</c>; null if it is gone.</summary>
    public static CpuSet? AllowedFor(int pid) => AllowedFor(pid.ToString(CultureInfo.InvariantCulture));

    /// <summary>The CPUs this process may use: what a split is carved from.</summary>
    public static CpuSet Available() =>
        AllowedFor("self") ?? CpuSet.Of(Enumerable.Range(0, Environment.ProcessorCount));

    static CpuSet? AllowedFor(string pid)
    {
        try
        {
            return ProcStat.AllowedCpuList(File.ReadAllText($"/proc/{pid}/status")) is { } list && CpuSet.TryParse(list, out var set, out _) ? set : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Moves every thread of a running process to <paramref name="cpus"/>; threads it starts later inherit it.</summary>
    public static async Task PinAsync(int pid, CpuSet cpus, CancellationToken ct)
    {
        using var process = Process.Start(new ProcessStartInfo(Taskset)
        {
            ArgumentList = { "-a", "-p", "-c", cpus.ToString(), pid.ToString(CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"Could not start {Taskset}.");
        var error = process.StandardError.ReadToEndAsync(ct);
        _ = await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        // A thread that ended between taskset listing and moving it makes taskset fail harmlessly: check the result, not the exit code.
        if (AllowedFor(pid) is { } now && !now.Equals(cpus) && process.ExitCode != 0)
            throw new InvalidOperationException($"taskset could not move process {pid} to CPU {cpus} (exit {process.ExitCode}): {(await error).Trim()}");
    }

    /// <summary>
    /// Moves a running server and its current children to <paramref name="cpus"/>. PostgreSQL forks a
    /// backend per connection from the postmaster, so backends started later inherit its affinity.
    /// </summary>
    public static async Task PinTreeAsync(int parentPid, CpuSet cpus, CancellationToken ct)
    {
        await PinAsync(parentPid, cpus, ct);
        foreach (var child in ProcessTable.ChildrenOf(parentPid)) await PinAsync(child.Pid, cpus, ct);
    }
}
