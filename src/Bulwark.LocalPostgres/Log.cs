using Microsoft.Extensions.Logging;

namespace Bulwark.LocalPostgres;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Using PostgreSQL {Version} server binaries in {Directory}")]
    public static partial void UsingBinaries(this ILogger logger, int version, string directory);

    [LoggerMessage(2, LogLevel.Warning, "Added the search (x) permission for other users to {Directories} so the postgres OS user can reach the cluster")]
    public static partial void OpenedDirectories(this ILogger logger, string directories);

    [LoggerMessage(3, LogLevel.Warning, "{DataDirectory} was left half-initialized (no PG_VERSION, initdb was interrupted): removing it and initializing again")]
    public static partial void RemovingHalfInitialized(this ILogger logger, string dataDirectory);

    [LoggerMessage(4, LogLevel.Information, "Initializing a PostgreSQL {Version} cluster in {DataDirectory}")]
    public static partial void Initializing(this ILogger logger, int version, string dataDirectory);

    [LoggerMessage(5, LogLevel.Information, "Reusing the PostgreSQL server (pid {ProcessId}) already running on 127.0.0.1:{Port} for {DataDirectory}")]
    public static partial void ReusingServer(this ILogger logger, int processId, int port, string dataDirectory);

    [LoggerMessage(6, LogLevel.Information, "postmaster.pid in {DataDirectory} names pid {ProcessId}, which is gone (its owner was killed): starting a new server")]
    public static partial void StalePidFile(this ILogger logger, string dataDirectory, int processId);

    [LoggerMessage(7, LogLevel.Warning, "The PostgreSQL server (pid {ProcessId}) for {DataDirectory} is running but did not answer within {Seconds} s: stopping it and starting again")]
    public static partial void StoppingUnresponsiveServer(this ILogger logger, int processId, string dataDirectory, double seconds);

    [LoggerMessage(8, LogLevel.Warning, "Port {Port} was taken before PostgreSQL could bind it: trying another port")]
    public static partial void PortTaken(this ILogger logger, int port);

    [LoggerMessage(9, LogLevel.Information, "PostgreSQL started on 127.0.0.1:{Port} for {DataDirectory}")]
    public static partial void Started(this ILogger logger, int port, string dataDirectory);

    [LoggerMessage(10, LogLevel.Information, "PostgreSQL stopped for {DataDirectory}")]
    public static partial void Stopped(this ILogger logger, string dataDirectory);

    [LoggerMessage(11, LogLevel.Information, "Created database {Database}")]
    public static partial void CreatedDatabase(this ILogger logger, string database);

    [LoggerMessage(12, LogLevel.Information, "Removed ephemeral cluster directory {Directory}")]
    public static partial void RemovedDirectory(this ILogger logger, string directory);

    [LoggerMessage(13, LogLevel.Information, "Removed ephemeral cluster {Directory} abandoned by process {ProcessId}")]
    public static partial void RemovedAbandoned(this ILogger logger, string directory, int processId);

    [LoggerMessage(14, LogLevel.Warning, "Could not remove {Directory}")]
    public static partial void CouldNotRemove(this ILogger logger, Exception exception, string directory);

    [LoggerMessage(15, LogLevel.Information, "The shared memory of a killed server in {DataDirectory} is still in use by its exiting children: retrying the start")]
    public static partial void SharedMemoryBusy(this ILogger logger, string dataDirectory);

    [LoggerMessage(16, LogLevel.Information, "The reused server runs with max_connections = {Actual} (options ask for {Requested}); restart the cluster to apply the options")]
    public static partial void ReusedSettingsDiffer(this ILogger logger, int actual, int requested);

    [LoggerMessage(17, LogLevel.Warning, "Could not hold port {Port} while the server is stopped: another process may take it before the server starts again")]
    public static partial void PortNotReserved(this ILogger logger, int port);
}
