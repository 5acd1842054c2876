using System.Collections.Concurrent;
using System.Diagnostics;

namespace Bulwark.Lab.Orchestration;

/// <summary>
/// Every process the lab starts, so that none outlives it: normal runs stop their children in
/// order, and if the lab itself is torn down (a second Ctrl-C, SIGTERM after the grace period, an
/// unhandled exception) this last line kills whatever is left, whole process trees included.
/// </summary>
public static class ProcessRegistry
{
    static readonly ConcurrentDictionary<int, Process> Running = new();

    static ProcessRegistry()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => KillAll();
    }

    public static int Count => Running.Count;

    public static void Track(Process process) => Running[process.Id] = process;

    public static void Forget(Process process) => Running.TryRemove(process.Id, out _);

    /// <summary>Kills every tracked process tree at once; only for when orderly shutdown is no longer possible.</summary>
    public static void KillAll()
    {
        foreach (var (id, process) in Running)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone between the check and the kill: nothing left to clean.
            }
            Running.TryRemove(id, out _);
        }
    }
}
