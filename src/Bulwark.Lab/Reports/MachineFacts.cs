using System.Diagnostics;
using System.Globalization;

namespace Bulwark.Lab.Reports;

/// <summary>
/// Facts about the machine and the programs a measurement ran with, for the top of every report:
/// a number means little without the CPU, the versions and the commit it was measured on.
/// Each answers null (or leaves a tool out) rather than failing when it cannot tell.
/// </summary>
public static class MachineFacts
{
    public static string? CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static double? MemoryGiB()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var kib = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            return kib is null ? null : Math.Round(double.Parse(kib, CultureInfo.InvariantCulture) / 1024 / 1024, 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    public static string? Commit()
    {
        var head = Run("git", "rev-parse --short HEAD");
        if (head is null) return null;
        var dirty = Run("git", "status --porcelain --untracked-files=no");
        return string.IsNullOrWhiteSpace(dirty) ? head : head + "+changes";
    }

    public static IReadOnlyDictionary<string, string> ToolVersions()
    {
        var tools = new Dictionary<string, string>();
        if (Run("pgbench", "--version") is { } pgbench) tools["pgbench"] = pgbench;
        if (PostgresVersion() is { } postgres) tools["postgres"] = postgres;
        if (Run("wrk", "--version") is { } wrk) tools["wrk"] = wrk.Split('\n')[0].Split(" Copyright")[0];
        return tools;
    }

    static string? PostgresVersion()
    {
        IEnumerable<string> installed = Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending() : [];
        foreach (var directory in installed)
        {
            var postgres = Path.Combine(directory, "bin", "postgres");
            if (File.Exists(postgres) && Run(postgres, "--version") is { } version) return version;
        }
        return Run("postgres", "--version");
    }

    /// <summary>First line of a short command's output, or null if it cannot run; bounded to 5 s.</summary>
    static string? Run(string file, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            if (!process.WaitForExit(5000)) return null;
            // Some tools (wrk) print their version with a non-zero exit: what they said is what counts.
            return string.IsNullOrWhiteSpace(output) ? null : output.Trim();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }
}
