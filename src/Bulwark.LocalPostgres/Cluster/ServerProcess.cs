using System.Diagnostics;

namespace Bulwark.LocalPostgres.Cluster;

internal enum ServerState
{
    /// <summary>No readable postmaster.pid: the server is stopped (or was never started).</summary>
    NotRunning,

    /// <summary>postmaster.pid names a process that no longer exists: its owner was killed.</summary>
    StalePidFile,

    /// <summary>postmaster.pid names a live process that is not postgres: the pid was reused after a reboot.</summary>
    PidReused,

    /// <summary>The postmaster named by postmaster.pid is alive (it may still be starting up).</summary>
    Running,
}

/// <summary>The server a data directory's postmaster.pid points at, and whether it is alive.</summary>
internal sealed record ServerProcess(ServerState State, int ProcessId, int Port)
{
    public static ServerProcess Inspect(string pidFile)
    {
        if (PostmasterPidFile.TryRead(pidFile) is not { } file)
        {
            return new ServerProcess(ServerState.NotRunning, 0, 0);
        }

        var state = ProcessName(file.ProcessId) switch
        {
            null => ServerState.StalePidFile,
            "postgres" or "postmaster" => ServerState.Running,
            _ => ServerState.PidReused,
        };
        return new ServerProcess(state, file.ProcessId, file.Port);
    }

    public static bool Exists(int processId) => ProcessName(processId) is not null;

    private static string? ProcessName(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return process.HasExited ? null : process.ProcessName;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }
}
