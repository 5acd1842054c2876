using System.Runtime.InteropServices;

namespace Bulwark.Guard.Bulkheads;

/// <summary>
/// The CPU time the calling thread has used (<c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>), for charging CPU-bound
/// work by what it cost rather than by how long it took: on a saturated core one hash takes several times its CPU
/// time in wall time, and a share charged by wall time then reads a hashing thread that waits for the core as one
/// that uses it all. .NET has no managed per-thread CPU clock (only the process's, <c>Environment.CpuUsage</c>), so
/// this is the one libc call, declared here.
/// </summary>
public static class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>The calling thread's CPU time so far; null where the platform does not say (not 64-bit Linux).</summary>
    public static TimeSpan? Current()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess || ClockGetTime(ClockThreadCpuTimeId, out var time) != 0)
        {
            return null;
        }

        return TimeSpan.FromTicks((time.Seconds * TimeSpan.TicksPerSecond) + (time.Nanoseconds / TimeSpan.NanosecondsPerTick));
    }

    // struct timespec on 64-bit Linux: two 64-bit fields.
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int ClockGetTime(int clockId, out Timespec time);
}
