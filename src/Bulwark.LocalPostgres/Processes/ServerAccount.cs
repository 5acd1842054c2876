using System.Runtime.InteropServices;

namespace Bulwark.LocalPostgres.Processes;

/// <summary>
/// The OS account initdb and the server run as. PostgreSQL refuses to run as root, so a root
/// caller (containers, CI) runs them as the <c>postgres</c> user through <c>runuser</c> and hands
/// the cluster files to that user; anyone else runs them directly.
/// </summary>
internal sealed class ServerAccount
{
    public const string PostgresUser = "postgres";

    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);
    private readonly string? runuser;

    private ServerAccount(string? runuser) => this.runuser = runuser;

    /// <summary>True when commands are run as the postgres OS user instead of the caller.</summary>
    public bool SwitchesUser => runuser is not null;

    public static async Task<ServerAccount> DetectAsync(CancellationToken cancellationToken)
    {
        if (!IsRoot())
        {
            return new ServerAccount(runuser: null);
        }

        var runuser = new[] { "/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser" }.FirstOrDefault(File.Exists)
            ?? throw new PostgresNotInstalledException(
                "Running as root, PostgreSQL must run as the 'postgres' OS user, but runuser (util-linux) was not found: install util-linux or run as an ordinary user.");

        var id = await ChildProcess.RunAsync("id", ["-u", PostgresUser], "/", ToolTimeout, cancellationToken).ConfigureAwait(false);
        if (!id.Succeeded)
        {
            throw new PostgresNotInstalledException(
                "Running as root, PostgreSQL must run as the 'postgres' OS user, which does not exist: install the postgresql package (it creates the user), run 'useradd --system postgres', or run as an ordinary user.");
        }

        return new ServerAccount(runuser);
    }

    /// <summary>Runs <paramref name="program"/> as the server account.</summary>
    public Task<ProcessOutcome> RunAsync(
        string program,
        IEnumerable<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        CancellationToken cancellationToken) =>
        runuser is null
            ? ChildProcess.RunAsync(program, arguments, workingDirectory, timeout, cancellationToken)
            : ChildProcess.RunAsync(runuser, ["-u", PostgresUser, "--", program, .. arguments], workingDirectory, timeout, cancellationToken);

    public bool RunBlocking(string program, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout) =>
        runuser is null
            ? ChildProcess.RunBlocking(program, arguments, workingDirectory, timeout)
            : ChildProcess.RunBlocking(runuser, ["-u", PostgresUser, "--", program, .. arguments], workingDirectory, timeout);

    /// <summary>
    /// Gives <paramref name="path"/> (recursively) to the server account. Files written by the
    /// library as root (password, settings, a re-created root) must be readable by the server.
    /// </summary>
    public async Task HandOverAsync(string path, CancellationToken cancellationToken)
    {
        if (runuser is null)
        {
            return;
        }

        var chown = await ChildProcess.RunAsync("chown", ["-R", $"{PostgresUser}:", path], "/", ToolTimeout, cancellationToken).ConfigureAwait(false);
        if (!chown.Succeeded)
        {
            throw new PostgresStartFailedException($"Could not give {path} to the '{PostgresUser}' OS user: {chown.Output}");
        }
    }

    /// <summary>
    /// The postgres user must be able to walk down to the cluster, so every ancestor directory
    /// needs the execute ("search") bit for others. Returns the directories that had to be opened up.
    /// </summary>
    public IReadOnlyList<string> MakeTraversable(string directory)
    {
        var opened = new List<string>();
        if (runuser is null || OperatingSystem.IsWindows())
        {
            return opened;
        }

        for (var current = Path.GetDirectoryName(directory); !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            var mode = File.GetUnixFileMode(current);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
            {
                File.SetUnixFileMode(current, mode | UnixFileMode.OtherExecute);
                opened.Add(current);
            }
        }

        return opened;
    }

    /// <summary>True when every ancestor of <paramref name="directory"/> (and itself) can be searched by other users.</summary>
    public static bool IsTraversableByOthers(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        for (var current = directory; !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            if (System.IO.Directory.Exists(current) && !File.GetUnixFileMode(current).HasFlag(UnixFileMode.OtherExecute))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsRoot()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            return false;
        }

        return GetEffectiveUserId() == 0;
    }

    [DllImport("libc", EntryPoint = "geteuid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint GetEffectiveUserId();
}
