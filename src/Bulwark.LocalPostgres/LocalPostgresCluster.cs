using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Bulwark.LocalPostgres.Binaries;
using Bulwark.LocalPostgres.Cluster;
using Bulwark.LocalPostgres.Processes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Bulwark.LocalPostgres;

/// <summary>
/// A private PostgreSQL cluster run from the server binaries on the machine: created on first
/// start, listening on 127.0.0.1 only, on a free port, with a generated password. A server left
/// running by a killed owner is reused; <see cref="StopAsync"/> stops it (and deletes an
/// ephemeral cluster's directory).
/// </summary>
public sealed class LocalPostgresCluster : IAsyncDisposable
{
    public const string SuperUser = "postgres";

    private const int LogTailLines = 20;
    private const long LogRotationBytes = 10 * 1024 * 1024;
    private const int StartAttempts = 8;
    private const string PasswordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    private static readonly TimeSpan InitDbTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ProcessGrace = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan SharedMemoryRetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly LocalPostgresOptions options;
    private readonly ClusterLayout layout;
    private readonly PostgresBinaries binaries;
    private readonly ServerAccount account;
    private readonly ILogger logger;
    private readonly string password;
    private readonly SemaphoreSlim lifecycle = new(1, 1);
    private PortReservation? portReservation;
    private bool stopped;

    private LocalPostgresCluster(LocalPostgresOptions options, ClusterLayout layout, PostgresBinaries binaries, ServerAccount account, ILogger logger, string password)
    {
        this.options = options;
        this.layout = layout;
        this.binaries = binaries;
        this.account = account;
        this.logger = logger;
        this.password = password;
        MaxConnections = options.MaxConnections;
    }

    /// <summary>Npgsql connection string for <see cref="Database"/> as the superuser.</summary>
    public string ConnectionString => ConnectionStringFor(options.Database);

    public int Port { get; private set; }

    /// <summary>PostgreSQL's data directory (PGDATA), inside <see cref="ClusterDirectory"/>.</summary>
    public string DataDirectory => layout.DataDirectory;

    /// <summary>The directory the options named: data, password file, server log.</summary>
    public string ClusterDirectory => layout.Root;

    /// <summary>The server log written by the server (pg_ctl -l).</summary>
    public string LogFile => layout.LogFile;

    /// <summary>True when the server was already running (left by a killed owner) and was adopted instead of started.</summary>
    public bool Reused { get; private set; }

    public string Database => options.Database;

    public bool Ephemeral => options.Ephemeral;

    /// <summary>The server's max_connections (what the running server reports when it was reused).</summary>
    public int MaxConnections { get; private set; }

    /// <summary>Major version of the server binaries, e.g. 15.</summary>
    public int ServerVersion => binaries.MajorVersion;

    /// <summary>Starts (creating it first if needed) the cluster the options describe.</summary>
    public static async Task<LocalPostgresCluster> StartAsync(LocalPostgresOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        logger ??= NullLogger.Instance;
        var layout = new ClusterLayout(Path.GetFullPath(options.Directory));
        var binaries = await PostgresBinaries.LocateAsync(options.BinarySearchDirectories, layout.ReadMajorVersion(), cancellationToken).ConfigureAwait(false);
        var account = await ServerAccount.DetectAsync(cancellationToken).ConfigureAwait(false);
        return await StartCoreAsync(options, layout, binaries, account, logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the server a cluster directory holds, if one is running (fast shutdown), without adopting or
    /// starting anything: for a tool that started clusters in an earlier run and now tears them down.
    /// Answers whether a server was running.
    /// </summary>
    public static async Task<bool> StopRunningAsync(string directory, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var layout = new ClusterLayout(Path.GetFullPath(directory));
        if (ServerProcess.Inspect(layout.PidFile).State != ServerState.Running)
        {
            return false;
        }

        var binaries = await PostgresBinaries.LocateAsync(null, layout.ReadMajorVersion(), cancellationToken).ConfigureAwait(false);
        var account = await ServerAccount.DetectAsync(cancellationToken).ConfigureAwait(false);
        var outcome = await account.RunAsync(
            binaries.PgCtl,
            ["stop", "-D", layout.DataDirectory, "-m", "fast", "-w", "-t", ((int)StopTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)],
            layout.Root, StopTimeout + ProcessGrace, cancellationToken).ConfigureAwait(false);
        if (!outcome.Succeeded && ServerProcess.Inspect(layout.PidFile).State == ServerState.Running)
        {
            throw new InvalidOperationException($"pg_ctl could not stop the server for {layout.DataDirectory} (exit code {outcome.ExitCode}): {outcome.Output}");
        }

        (logger ?? NullLogger.Instance).Stopped(layout.DataDirectory);
        return true;
    }

    /// <summary>A throwaway cluster in a new temp directory, deleted when it stops.</summary>
    [SuppressMessage("Design", "CA1068:CancellationToken parameters must come last", Justification = "Signature agreed with the shop, lab and test projects; maxConnections was added last to keep their calls working.")]
    public static Task<LocalPostgresCluster> StartEphemeralAsync(ILogger? logger = null, CancellationToken cancellationToken = default, int maxConnections = 100) =>
        StartEphemeralAsync(new LocalPostgresOptions { MaxConnections = maxConnections }, logger, cancellationToken);

    /// <summary>
    /// A throwaway cluster with the given settings (database, max_connections, server settings);
    /// <see cref="LocalPostgresOptions.Directory"/> is ignored: a new temp directory is used.
    /// </summary>
    public static async Task<LocalPostgresCluster> StartEphemeralAsync(LocalPostgresOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        logger ??= NullLogger.Instance;
        var binaries = await PostgresBinaries.LocateAsync(options.BinarySearchDirectories, requiredMajorVersion: null, cancellationToken).ConfigureAwait(false);
        var account = await ServerAccount.DetectAsync(cancellationToken).ConfigureAwait(false);

        // As root the server runs as postgres, which must be able to reach the directory: a TMPDIR
        // under /root would not do, /tmp always does.
        var parent = Path.GetTempPath();
        if (account.SwitchesUser && !ServerAccount.IsTraversableByOthers(parent))
        {
            parent = "/tmp";
        }

        await AbandonedClusterSweeper.SweepAsync(parent, binaries, account, logger, cancellationToken).ConfigureAwait(false);
        var directory = Path.Combine(parent, AbandonedClusterSweeper.DirectoryPrefix + Guid.NewGuid().ToString("N")[..12]);
        var ephemeral = options with { Directory = directory, Ephemeral = true };
        return await StartCoreAsync(ephemeral, new ClusterLayout(directory), binaries, account, logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A streaming hot standby of this cluster: <c>pg_basebackup -R</c> (WAL streamed during the copy, the
    /// connection to this server written to <c>postgresql.auto.conf</c>, <c>standby.signal</c> created) into
    /// <paramref name="directory"/> (null: a new temp directory, deleted when the standby stops, like an
    /// ephemeral cluster), then started on a free port of its own. It shares this cluster's password, so the
    /// same connection strings work on it. Needs <c>wal_level</c> replica or above (PostgreSQL's default)
    /// and a <c>replication</c> entry in pg_hba.conf, which initdb writes for 127.0.0.1.
    /// </summary>
    public async Task<LocalPostgresCluster> StartStandbyAsync(string? directory = null, CancellationToken cancellationToken = default)
    {
        ThrowIfStopped();
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Standbys run PostgreSQL's Unix server binaries.");
        }

        var ephemeral = directory is null;
        if (ephemeral)
        {
            directory = Path.Combine(Path.GetDirectoryName(layout.Root)!, AbandonedClusterSweeper.DirectoryPrefix + Guid.NewGuid().ToString("N")[..12]);
        }

        var standbyLayout = new ClusterLayout(Path.GetFullPath(directory!));
        if (standbyLayout.ReadMajorVersion() is null)
        {
            Directory.CreateDirectory(standbyLayout.Root);
            File.SetUnixFileMode(standbyLayout.Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            account.MakeTraversable(standbyLayout.Root);
            if (ephemeral)
            {
                AbandonedClusterSweeper.WriteOwner(standbyLayout);
            }

            WritePrivateFile(standbyLayout.PasswordFile, password + "\n");
            await account.HandOverAsync(standbyLayout.Root, cancellationToken).ConfigureAwait(false);
            // The password is in the conninfo pg_basebackup -R writes for the standby: it is in the cluster's own files already.
            var conninfo = $"host=127.0.0.1 port={Port} user={SuperUser} password={password} application_name=bulwark-standby";
            var backup = await account.RunAsync(
                Path.Combine(binaries.Directory, "pg_basebackup"),
                ["-d", conninfo, "-D", standbyLayout.DataDirectory, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"],
                standbyLayout.Root, InitDbTimeout, cancellationToken).ConfigureAwait(false);
            if (!backup.Succeeded)
            {
                TryDeleteDirectory(standbyLayout.DataDirectory, logger);
                throw new PostgresStartFailedException($"pg_basebackup from port {Port} into {standbyLayout.DataDirectory} failed (exit code {backup.ExitCode}): {backup.Output}");
            }
        }

        var standby = new LocalPostgresCluster(options with { Directory = standbyLayout.Root, Ephemeral = ephemeral }, standbyLayout, binaries, account, logger, password)
        {
            MaxConnections = MaxConnections,
        };
        try
        {
            await standby.OpenAsync(cancellationToken).ConfigureAwait(false);
            return standby;
        }
        catch when (ephemeral)
        {
            TryDeleteDirectory(standbyLayout.Root, logger);
            throw;
        }
    }

    /// <summary>Npgsql connection string for another database of this cluster.</summary>
    public string ConnectionStringFor(string database) => BuildConnectionString(Port, database, pooling: true);

    /// <summary>Creates <paramref name="database"/> unless it exists; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        if (!LocalPostgresOptions.IsValidDatabaseName(database))
        {
            throw new ArgumentException($"Database name '{database}' must be 1-63 letters, digits, '_' or '-', starting with a letter or '_'.", nameof(database));
        }

        var connection = new NpgsqlConnection(BuildConnectionString(Port, "postgres", pooling: false));
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = database } } };
            await using (exists.ConfigureAwait(false))
            {
                if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null)
                {
                    return ConnectionStringFor(database);
                }
            }

            // The name was validated above (no quotes possible), and CREATE DATABASE takes no parameters.
            var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
            await using (create.ConfigureAwait(false))
            {
                try
                {
                    await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    logger.CreatedDatabase(database);
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
                {
                    // Created concurrently by another starter: that is the state we wanted.
                }
            }
        }

        return ConnectionStringFor(database);
    }

    /// <summary>Stops the server but keeps the cluster and its port, so <see cref="StartServerAsync"/> brings the same server back.</summary>
    public async Task StopServerAsync(CancellationToken cancellationToken = default)
    {
        await lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfStopped();
            await StopCoreAsync("fast", cancellationToken).ConfigureAwait(false);
            portReservation ??= PortReservation.TryReserve(Port);
            if (portReservation is null)
            {
                logger.PortNotReserved(Port);
            }
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>
    /// Stops the server the way a crash looks to its clients (<c>pg_ctl stop -m immediate</c>: connections cut,
    /// no checkpoint, crash recovery on the next start), keeping the cluster and its port like <see cref="StopServerAsync"/>.
    /// </summary>
    public async Task CrashServerAsync(CancellationToken cancellationToken = default)
    {
        await lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfStopped();
            await StopCoreAsync("immediate", cancellationToken).ConfigureAwait(false);
            portReservation ??= PortReservation.TryReserve(Port);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>The postmaster's process id while the server runs (fault tests freeze it with signals); null otherwise.</summary>
    public int? ServerProcessId =>
        ServerProcess.Inspect(layout.PidFile) is { State: ServerState.Running, ProcessId: var id } ? id : null;

    /// <summary>Starts the server again on the same port with the same data. Does nothing when it is running.</summary>
    public async Task StartServerAsync(CancellationToken cancellationToken = default)
    {
        await lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfStopped();
            if (ServerProcess.Inspect(layout.PidFile) is { State: ServerState.Running } && await AnswersAsync(Port, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await StartOnSamePortAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>Stops the server and starts it again on the same port, with a new max_connections when given.</summary>
    public async Task RestartAsync(int? maxConnections = null, CancellationToken cancellationToken = default)
    {
        if (maxConnections is { } requested)
        {
            (options with { MaxConnections = requested }).Validate();
        }

        await lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfStopped();
            await StopCoreAsync("fast", cancellationToken).ConfigureAwait(false);
            MaxConnections = maxConnections ?? MaxConnections;
            await StartOnSamePortAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>Stops the server (fast shutdown); an ephemeral cluster's directory is deleted. Safe to call twice.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (stopped)
            {
                return;
            }

            await StopCoreAsync("fast", cancellationToken).ConfigureAwait(false);
            portReservation?.Dispose();
            portReservation = null;
            stopped = true;
            if (options.Ephemeral)
            {
                AppDomain.CurrentDomain.ProcessExit -= StopOnProcessExit;
                await DeleteRootAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private static async Task<LocalPostgresCluster> StartCoreAsync(
        LocalPostgresOptions options,
        ClusterLayout layout,
        PostgresBinaries binaries,
        ServerAccount account,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("LocalPostgresCluster runs PostgreSQL's Unix server binaries; on Windows set ConnectionStrings__Shop to an existing server.");
        }

        logger.UsingBinaries(binaries.MajorVersion, binaries.Directory);
        Directory.CreateDirectory(layout.Root);
        File.SetUnixFileMode(layout.Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var opened = account.MakeTraversable(layout.Root);
        if (opened.Count > 0)
        {
            logger.OpenedDirectories(string.Join(", ", opened));
        }

        if (options.Ephemeral)
        {
            AbandonedClusterSweeper.WriteOwner(layout);
        }

        using var clusterLock = await ClusterLock.AcquireAsync(layout.LockFile, options.StartTimeout, cancellationToken).ConfigureAwait(false);
        try
        {
            var password = await InitializeIfNeededAsync(options, layout, binaries, account, logger, cancellationToken).ConfigureAwait(false);
            var cluster = new LocalPostgresCluster(options, layout, binaries, account, logger, password);
            await cluster.OpenAsync(cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch when (options.Ephemeral)
        {
            TryDeleteDirectory(layout.Root, logger);
            throw;
        }
    }

    /// <summary>Runs initdb unless the data directory is complete; returns the superuser password.</summary>
    [UnsupportedOSPlatform("windows")]
    private static async Task<string> InitializeIfNeededAsync(
        LocalPostgresOptions options,
        ClusterLayout layout,
        PostgresBinaries binaries,
        ServerAccount account,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        if (layout.ReadMajorVersion() is not null)
        {
            if (!File.Exists(layout.PasswordFile))
            {
                throw new PostgresStartFailedException(
                    $"The cluster in {layout.Root} has no password file ({layout.PasswordFile}), so nothing can log in to it: delete {layout.Root} to start over.");
            }

            return (await File.ReadAllTextAsync(layout.PasswordFile, cancellationToken).ConfigureAwait(false)).Trim();
        }

        if (Directory.Exists(layout.DataDirectory))
        {
            logger.RemovingHalfInitialized(layout.DataDirectory);
            Directory.Delete(layout.DataDirectory, recursive: true);
        }

        var password = RandomNumberGenerator.GetString(PasswordAlphabet, 32);
        WritePrivateFile(layout.PasswordFile, password + "\n");
        await account.HandOverAsync(layout.Root, cancellationToken).ConfigureAwait(false);

        logger.Initializing(binaries.MajorVersion, layout.DataDirectory);
        List<string> arguments =
        [
            "-D", layout.DataDirectory,
            $"--username={SuperUser}",
            $"--pwfile={layout.PasswordFile}",
            "--auth-local=scram-sha-256",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            // C.UTF-8 keeps sorting byte-wise and predictable while upper()/lower() still work beyond ASCII.
            Directory.Exists("/usr/lib/locale/C.utf8") ? "--locale=C.UTF-8" : "--no-locale",
            "--no-instructions",
        ];
        if (options.Ephemeral)
        {
            arguments.Add("--no-sync");
        }

        var outcome = await account.RunAsync(binaries.InitDb, arguments, layout.Root, InitDbTimeout, cancellationToken).ConfigureAwait(false);
        if (!outcome.Succeeded)
        {
            TryDeleteDirectory(layout.DataDirectory, logger);
            throw new PostgresStartFailedException($"initdb failed for {layout.DataDirectory} (exit code {outcome.ExitCode}): {outcome.Output}");
        }

        await File.AppendAllTextAsync(
            layout.MainConfigFile,
            $"\n# Added by Bulwark.LocalPostgres: listen address, port and limits are rewritten before every start.\ninclude = '{layout.SettingsFileName}'\n",
            cancellationToken).ConfigureAwait(false);
        return password;
    }

    /// <summary>Adopts a running server or starts one, then makes sure the application database exists.</summary>
    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            Reused = await TryAdoptRunningServerAsync(cancellationToken).ConfigureAwait(false);
            if (!Reused)
            {
                await StartOnFreePortAsync(cancellationToken).ConfigureAwait(false);
            }

            await CreateDatabaseAsync(options.Database, cancellationToken).ConfigureAwait(false);
            if (options.Ephemeral)
            {
                AppDomain.CurrentDomain.ProcessExit += StopOnProcessExit;
            }
        }
        catch
        {
            // A failed start must not leave a server running that nobody will stop.
            await TryStopQuietlyAsync("immediate").ConfigureAwait(false);
            throw;
        }
    }

    private async Task<bool> TryAdoptRunningServerAsync(CancellationToken cancellationToken)
    {
        var server = ServerProcess.Inspect(layout.PidFile);
        switch (server.State)
        {
            case ServerState.NotRunning:
                return false;
            case ServerState.StalePidFile:
                // Leave the file: postgres checks it (and the shared memory it names) itself before starting.
                logger.StalePidFile(layout.DataDirectory, server.ProcessId);
                return false;
            case ServerState.PidReused:
                // After a reboot the pid may belong to an unrelated process, which would make postgres
                // refuse to start; that process is certainly not our server, so the file is stale.
                logger.StalePidFile(layout.DataDirectory, server.ProcessId);
                File.Delete(layout.PidFile);
                return false;
        }

        var giveUpAt = DateTime.UtcNow + options.StartTimeout;
        while (DateTime.UtcNow < giveUpAt)
        {
            if (await AnswersAsync(server.Port, cancellationToken).ConfigureAwait(false))
            {
                Port = server.Port;
                MaxConnections = await ReadMaxConnectionsAsync(cancellationToken).ConfigureAwait(false);
                logger.ReusingServer(server.ProcessId, server.Port, layout.DataDirectory);
                if (MaxConnections != options.MaxConnections)
                {
                    logger.ReusedSettingsDiffer(MaxConnections, options.MaxConnections);
                }

                return true;
            }

            if (ServerProcess.Inspect(layout.PidFile).State != ServerState.Running)
            {
                return false;
            }

            // Still starting up or recovering after a crash: give it the start timeout.
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }

        logger.StoppingUnresponsiveServer(server.ProcessId, layout.DataDirectory, options.StartTimeout.TotalSeconds);
        await StopCoreAsync("immediate", cancellationToken).ConfigureAwait(false);
        return false;
    }

    private async Task StartOnFreePortAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = LoopbackPort.Free();
            var result = await TryStartServerAsync(port, cancellationToken).ConfigureAwait(false);
            if (result == StartResult.Started)
            {
                Port = port;
                logger.Started(port, layout.DataDirectory);
                return;
            }

            if (attempt == StartAttempts)
            {
                throw new PostgresStartFailedException(
                    $"PostgreSQL did not start for {layout.DataDirectory} after {StartAttempts} attempts ({result}). {DescribeLogTail()}");
            }

            await HandleRetryableAsync(result, port, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task StartOnSamePortAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            portReservation?.Dispose();
            portReservation = null;
            var result = await TryStartServerAsync(Port, cancellationToken).ConfigureAwait(false);
            if (result == StartResult.Started)
            {
                logger.Started(Port, layout.DataDirectory);
                return;
            }

            if (result == StartResult.PortTaken || attempt == StartAttempts)
            {
                throw new PostgresStartFailedException(
                    $"PostgreSQL did not start again on port {Port} for {layout.DataDirectory} ({result}). {DescribeLogTail()}");
            }

            await HandleRetryableAsync(result, Port, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task HandleRetryableAsync(StartResult result, int port, CancellationToken cancellationToken)
    {
        if (result == StartResult.PortTaken)
        {
            logger.PortTaken(port);
            return;
        }

        // A killed postmaster's children take a moment to notice and detach from shared memory.
        logger.SharedMemoryBusy(layout.DataDirectory);
        await Task.Delay(SharedMemoryRetryDelay, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One pg_ctl start. Returns why a retry may help, or throws when it cannot.</summary>
    private async Task<StartResult> TryStartServerAsync(int port, CancellationToken cancellationToken)
    {
        RotateLogIfLarge();
        await File.WriteAllTextAsync(
            layout.SettingsFile,
            ServerSettingsFile.Render(port, MaxConnections, options.Ephemeral, options.ServerSettings),
            cancellationToken).ConfigureAwait(false);
        await account.HandOverAsync(layout.Root, cancellationToken).ConfigureAwait(false);

        var logOffset = File.Exists(layout.LogFile) ? new FileInfo(layout.LogFile).Length : 0;
        var seconds = (int)Math.Ceiling(options.StartTimeout.TotalSeconds);
        ProcessOutcome outcome;
        try
        {
            outcome = await account.RunAsync(
                binaries.PgCtl,
                ["start", "-D", layout.DataDirectory, "-w", "-t", seconds.ToString(CultureInfo.InvariantCulture), "-l", layout.LogFile],
                layout.Root,
                options.StartTimeout + ProcessGrace,
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            await TryStopQuietlyAsync("immediate").ConfigureAwait(false);
            if (e is OperationCanceledException)
            {
                throw;
            }

            throw new PostgresStartFailedException($"pg_ctl start did not return for {layout.DataDirectory}. {DescribeLogTail()}", e);
        }

        if (outcome.Succeeded)
        {
            return StartResult.Started;
        }

        // pg_ctl may have given up waiting while the server is still coming up: do not leave it behind.
        await TryStopQuietlyAsync("immediate").ConfigureAwait(false);
        var newLog = ReadLogFrom(logOffset);
        if (newLog.Contains("could not bind", StringComparison.Ordinal) || newLog.Contains("Address already in use", StringComparison.Ordinal))
        {
            return StartResult.PortTaken;
        }

        if (newLog.Contains("pre-existing shared memory block", StringComparison.Ordinal))
        {
            return StartResult.SharedMemoryBusy;
        }

        throw new PostgresStartFailedException(
            $"PostgreSQL did not start for {layout.DataDirectory} (pg_ctl exit code {outcome.ExitCode}: {outcome.Output}). {DescribeLogTail()}");
    }

    private async Task StopCoreAsync(string mode, CancellationToken cancellationToken)
    {
        if (ServerProcess.Inspect(layout.PidFile).State != ServerState.Running)
        {
            return;
        }

        var outcome = await account.RunAsync(
            binaries.PgCtl,
            ["stop", "-D", layout.DataDirectory, "-m", mode, "-w", "-t", ((int)StopTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)],
            layout.Root,
            StopTimeout + ProcessGrace,
            cancellationToken).ConfigureAwait(false);

        // Another owner of the same directory may have stopped it between the check and pg_ctl.
        if (!outcome.Succeeded && ServerProcess.Inspect(layout.PidFile).State == ServerState.Running)
        {
            throw new InvalidOperationException($"pg_ctl could not stop the server for {layout.DataDirectory} (exit code {outcome.ExitCode}): {outcome.Output}");
        }

        logger.Stopped(layout.DataDirectory);
    }

    private async Task TryStopQuietlyAsync(string mode)
    {
        try
        {
            await StopCoreAsync(mode, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            // Best effort while already failing: the original error is the one worth reporting.
        }
    }

    /// <summary>
    /// The process is ending without having awaited <see cref="StopAsync"/> (a test host torn down
    /// early). Nothing can be awaited here, so block briefly rather than leave a server and a temp
    /// directory behind.
    /// </summary>
    private void StopOnProcessExit(object? sender, EventArgs e)
    {
        if (stopped)
        {
            return;
        }

        stopped = true;
        account.RunBlocking(binaries.PgCtl, ["stop", "-D", layout.DataDirectory, "-m", "immediate", "-w", "-t", "10"], "/", ProcessGrace);
        TryDeleteDirectory(layout.Root, logger);
    }

    private async Task<bool> AnswersAsync(int port, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(BuildConnectionString(port, "postgres", pooling: false, ProbeTimeoutSeconds));
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
            {
                throw new PostgresStartFailedException(
                    $"The server running for {layout.DataDirectory} on port {port} rejects the password in {layout.PasswordFile}: stop it (pg_ctl stop -D {layout.DataDirectory}) or delete {layout.Root} to start over.", e);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                return false;
            }
        }
    }

    private async Task<int> ReadMaxConnectionsAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(BuildConnectionString(Port, "postgres", pooling: false));
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var show = new NpgsqlCommand("SHOW max_connections", connection);
            await using (show.ConfigureAwait(false))
            {
                var value = (string?)await show.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return int.Parse(value ?? "0", CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>A readiness probe gives up soon and is asked again.</summary>
    private const int ProbeTimeoutSeconds = 3;

    /// <summary>
    /// Work on a server that already answered (creating the database, reading its limits) is not retried: it waits
    /// for a connection as long as Npgsql's default allows. With 3 s, a fresh-clone CI run whose four test assemblies
    /// started their clusters at once timed out creating a database on a server that had just answered the probe.
    /// </summary>
    private const int WorkTimeoutSeconds = 15;

    private string BuildConnectionString(int port, string database, bool pooling, int timeoutSeconds = WorkTimeoutSeconds)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = SuperUser,
            Password = password,
            Database = database,
        };
        if (!pooling)
        {
            // The library's own short-lived connections must not sit idle in a pool, holding
            // server slots that tests of connection limits would count.
            builder.Pooling = false;
            builder.Timeout = timeoutSeconds;
        }

        return builder.ConnectionString;
    }

    private void RotateLogIfLarge()
    {
        if (File.Exists(layout.LogFile) && new FileInfo(layout.LogFile).Length > LogRotationBytes)
        {
            File.Move(layout.LogFile, layout.LogFile + ".1", overwrite: true);
        }
    }

    private string ReadLogFrom(long offset)
    {
        try
        {
            using var stream = new FileStream(layout.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private string DescribeLogTail()
    {
        var length = File.Exists(layout.LogFile) ? new FileInfo(layout.LogFile).Length : 0;
        var lines = ReadLogFrom(Math.Max(0, length - 64 * 1024)).Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(LogTailLines).ToList();
        return lines.Count == 0
            ? $"The server log {layout.LogFile} is empty."
            : $"Last lines of {layout.LogFile}:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
    }

    private async Task DeleteRootAsync()
    {
        // The server may still be closing its log for a moment after pg_ctl stop returns.
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            try
            {
                Directory.Delete(layout.Root, recursive: true);
                logger.RemovedDirectory(layout.Root);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (attempt == 5)
                {
                    logger.CouldNotRemove(e, layout.Root);
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt)).ConfigureAwait(false);
            }
        }
    }

    private static void TryDeleteDirectory(string directory, ILogger logger)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.CouldNotRemove(e, directory);
        }
    }

    [UnsupportedOSPlatform("windows")]
    private static void WritePrivateFile(string path, string contents)
    {
        File.Delete(path);
        var fileOptions = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using var writer = new StreamWriter(path, Encoding.ASCII, fileOptions);
        writer.Write(contents);
    }

    private void ThrowIfStopped() => ObjectDisposedException.ThrowIf(stopped, this);

    private enum StartResult
    {
        Started,
        PortTaken,
        SharedMemoryBusy,
    }
}
