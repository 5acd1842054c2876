using System.Runtime.InteropServices;

namespace Bulwark.Lab.Orchestration;

/// <summary>
/// POSIX signals to processes the lab started: a polite SIGTERM when it stops a child, and the chaos
/// run's SIGSTOP/SIGCONT that freeze and resume PostgreSQL. Linux numbers (x86-64 and arm64 agree).
/// </summary>
public static partial class Signals
{
    public const int Term = 15;
    public const int Stop = 19;
    public const int Continue = 18;

    /// <summary>Sends <paramref name="signal"/>; false when the process is gone (or not ours).</summary>
    public static bool Send(int pid, int signal) => !OperatingSystem.IsWindows() && Kill(pid, signal) == 0;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);
}
