using System.Globalization;
using System.Runtime.InteropServices;

namespace Bulwark.Lab.Measurement;

/// <summary>One process's line of <c>/proc/&lt;pid&gt;/stat</c>: its parent and its CPU time in clock ticks.</summary>
/// <param name="ChildrenUser">Time of children it has waited for (reaped): where an exited backend's time ends up.</param>
public readonly record struct ProcessCpu(int Pid, int ParentPid, long User, long System, long ChildrenUser, long ChildrenSystem)
{
    public long Own => User + System;

    public long WithReapedChildren => User + System + ChildrenUser + ChildrenSystem;
}

/// <summary>One <c>cpuN</c> line of <c>/proc/stat</c>, in clock ticks.</summary>
public readonly record struct CpuJiffies(long Busy, long Total);

/// <summary>Pure parsers of the kernel's process and CPU accounting text (proc(5)).</summary>
public static class ProcStat
{
    /// <summary>
    /// Fields of <c>/proc/&lt;pid&gt;/stat</c>. The command name is in parentheses and may itself contain
    /// spaces and parentheses ("(postgres: bulwark idle)"), so fields are counted after the last ')'.
    /// </summary>
    public static ProcessCpu? ParseProcess(string line)
    {
        var open = line.IndexOf('(');
        var close = line.LastIndexOf(')');
        if (open < 1 || close < open) return null;
        if (!int.TryParse(line.AsSpan(0, open).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return null;
        // After ')': state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
        var fields = line[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 15) return null;
        long At(int i) => long.Parse(fields[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        try
        {
            return new ProcessCpu(pid, (int)At(1), At(11), At(12), At(13), At(14));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// The per-CPU lines of <c>/proc/stat</c> (<c>cpuN user nice system idle iowait irq softirq steal …</c>).
    /// Busy is everything but idle and iowait; guest time is already inside user.
    /// </summary>
    public static IReadOnlyDictionary<int, CpuJiffies> ParseCpus(string text)
    {
        var cpus = new Dictionary<int, CpuJiffies>();
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith("cpu", StringComparison.Ordinal) || line.Length < 4 || !char.IsAsciiDigit(line[3])) continue;
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 5 || !int.TryParse(fields[0].AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var cpu)) continue;
            var values = fields.Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var idle = values[3] + (values.Length > 4 ? values[4] : 0);
            var total = values.Sum();
            cpus[cpu] = new CpuJiffies(total - idle, total);
        }
        return cpus;
    }

    /// <summary>The <c>Cpus_allowed_list</c> line of <c>/proc/&lt;pid&gt;/status</c>, e.g. "0-1"; null if absent.</summary>
    public static string? AllowedCpuList(string statusText) =>
        statusText.Split('\n').FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();

    /// <summary>Clock ticks per second the kernel counts these times in (USER_HZ, 100 on every common Linux).</summary>
    public static long TicksPerSecond { get; } = ReadTicksPerSecond();

    static long ReadTicksPerSecond()
    {
        if (!OperatingSystem.IsLinux()) return 100;
        try
        {
            var ticks = SysConf(ClockTicks);
            return ticks > 0 ? ticks : 100;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 100;
        }
    }

    const int ClockTicks = 2;   // _SC_CLK_TCK on Linux

    [DllImport("libc", EntryPoint = "sysconf")]
    static extern long SysConf(int name);
}
