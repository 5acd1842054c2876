using System.Globalization;

namespace Bulwark.Lab.Measurement;

/// <summary>Reads processes' CPU accounting from <c>/proc</c>; a process that is gone reads as null.</summary>
public static class ProcessTable
{
    public static ProcessCpu? Read(int pid) => Read(pid.ToString(CultureInfo.InvariantCulture));

    public static ProcessCpu? Self() => Read("self");

    static ProcessCpu? Read(string pid)
    {
        try
        {
            return ProcStat.ParseProcess(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Live processes whose parent is <paramref name="parentPid"/> (one pass over <c>/proc</c>).</summary>
    public static IReadOnlyList<ProcessCpu> ChildrenOf(int parentPid)
    {
        var children = new List<ProcessCpu>();
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateDirectories("/proc");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return children;
        }
        foreach (var entry in entries)
        {
            var name = Path.GetFileName(entry);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0])) continue;
            if (Read(name) is { } process && process.ParentPid == parentPid) children.Add(process);
        }
        return children;
    }

    /// <summary>The postmaster's pid: the first line of <c>postmaster.pid</c> in the data directory.</summary>
    public static int? PostmasterPid(string dataDirectory)
    {
        try
        {
            var first = File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The per-CPU lines of <c>/proc/stat</c>; empty if unreadable.</summary>
    public static IReadOnlyDictionary<int, CpuJiffies> Cpus()
    {
        try
        {
            return ProcStat.ParseCpus(File.ReadAllText("/proc/stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new Dictionary<int, CpuJiffies>();
        }
    }
}
