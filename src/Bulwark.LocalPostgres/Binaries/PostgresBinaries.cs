using System.Globalization;
using System.Text.RegularExpressions;
using Bulwark.LocalPostgres.Processes;

namespace Bulwark.LocalPostgres.Binaries;

/// <summary>One PostgreSQL installation's server programs, all from the same directory.</summary>
internal sealed partial record PostgresBinaries(string Directory, int MajorVersion)
{
    public const int OldestSupportedVersion = 14;

    private const string DebianVersionsRoot = "/usr/lib/postgresql";
    private static readonly TimeSpan VersionProbeTimeout = TimeSpan.FromSeconds(15);

    public string InitDb => Path.Combine(Directory, "initdb");

    public string PgCtl => Path.Combine(Directory, "pg_ctl");

    /// <summary>
    /// Finds initdb, pg_ctl and postgres: in <paramref name="searchDirectories"/> when given,
    /// otherwise on PATH and then under /usr/lib/postgresql/*/bin, highest version first.
    /// <paramref name="requiredMajorVersion"/> is the version an existing cluster was created with:
    /// a data directory only opens with the same major version.
    /// </summary>
    public static async Task<PostgresBinaries> LocateAsync(
        IReadOnlyList<string>? searchDirectories,
        int? requiredMajorVersion,
        CancellationToken cancellationToken)
    {
        var rejected = new List<string>();
        foreach (var candidate in (searchDirectories ?? DefaultSearchDirectories()).Distinct(StringComparer.Ordinal))
        {
            var directory = ResolveInstallDirectory(candidate);
            if (directory is null)
            {
                continue;
            }

            var version = await ProbeMajorVersionAsync(Path.Combine(directory, "pg_ctl"), cancellationToken).ConfigureAwait(false);
            if (version is null)
            {
                rejected.Add($"unreadable version in {directory}");
            }
            else if (version < OldestSupportedVersion)
            {
                rejected.Add($"PostgreSQL {version} in {directory} is older than {OldestSupportedVersion}");
            }
            else if (requiredMajorVersion is { } required && version != required)
            {
                rejected.Add($"PostgreSQL {version} in {directory} cannot open a PostgreSQL {required} cluster");
            }
            else
            {
                return new PostgresBinaries(directory, version.Value);
            }
        }

        throw new PostgresNotInstalledException(DescribeMissing(searchDirectories, requiredMajorVersion, rejected));
    }

    private static string DescribeMissing(IReadOnlyList<string>? searchDirectories, int? requiredMajorVersion, List<string> rejected)
    {
        var where = searchDirectories is null
            ? $"on PATH or under {DebianVersionsRoot}/*/bin"
            : $"in {(searchDirectories.Count == 0 ? "(no directories)" : string.Join(", ", searchDirectories))}";
        var wanted = requiredMajorVersion is { } required
            ? $"PostgreSQL {required} server binaries (initdb, pg_ctl), needed by the existing cluster,"
            : $"PostgreSQL server binaries (initdb, pg_ctl), version {OldestSupportedVersion} or newer,";
        var found = rejected.Count == 0 ? string.Empty : $" (found only: {string.Join("; ", rejected)})";
        var install = requiredMajorVersion is { } version
            ? $"install them (Debian/Ubuntu: sudo apt-get install postgresql-{version}), delete the cluster directory to start over,"
            : "install them (Debian/Ubuntu: sudo apt-get install postgresql)";
        return $"{wanted} not found {where}{found}: {install} or set ConnectionStrings__Shop to an existing server.";
    }

    private static IEnumerable<string> DefaultSearchDirectories()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var entry in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            yield return entry;
        }

        if (!System.IO.Directory.Exists(DebianVersionsRoot))
        {
            yield break;
        }

        var versions = System.IO.Directory.EnumerateDirectories(DebianVersionsRoot)
            .Select(d => (Directory: d, Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1))
            .Where(d => d.Version >= 0)
            .OrderByDescending(d => d.Version);
        foreach (var (directory, _) in versions)
        {
            yield return Path.Combine(directory, "bin");
        }
    }

    /// <summary>
    /// The directory that really holds the three programs. PATH often has symlinks
    /// (/usr/local/bin/pg_ctl -> /usr/lib/postgresql/15/bin/pg_ctl); pg_ctl looks for postgres
    /// beside its own real location, so that is the directory to use.
    /// </summary>
    private static string? ResolveInstallDirectory(string candidate)
    {
        var pgCtl = Path.Combine(candidate, "pg_ctl");
        if (!File.Exists(Path.Combine(candidate, "initdb")) || !File.Exists(pgCtl))
        {
            return null;
        }

        var realPgCtl = File.ResolveLinkTarget(pgCtl, returnFinalTarget: true)?.FullName ?? pgCtl;
        var realDirectory = Path.GetDirectoryName(Path.GetFullPath(realPgCtl))!;
        foreach (var directory in new[] { realDirectory, Path.GetFullPath(candidate) })
        {
            if (new[] { "initdb", "pg_ctl", "postgres" }.All(program => File.Exists(Path.Combine(directory, program))))
            {
                return directory;
            }
        }

        return null;
    }

    private static async Task<int?> ProbeMajorVersionAsync(string pgCtl, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await ChildProcess.RunAsync(pgCtl, ["--version"], "/", VersionProbeTimeout, cancellationToken).ConfigureAwait(false);
            var match = VersionLine().Match(outcome.StandardOutput);
            return outcome.Succeeded && match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException)
        {
            // Not executable or wedged: treat as not installed there and keep looking.
            return null;
        }
    }

    // "pg_ctl (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" or "pg_ctl (PostgreSQL) 17devel"
    [GeneratedRegex(@"\(PostgreSQL\)\s+(\d+)")]
    private static partial Regex VersionLine();
}
