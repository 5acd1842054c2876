using System.Collections.ObjectModel;
using System.Text.RegularExpressions;

namespace Bulwark.LocalPostgres;

/// <summary>Where and how a private PostgreSQL cluster lives. Validated when a cluster starts.</summary>
public sealed partial record LocalPostgresOptions
{
    /// <summary>Cluster root (data, password file, server log). Relative paths are resolved against the current directory.</summary>
    public string Directory { get; init; } = ".bulwark/postgres";

    /// <summary>A throwaway cluster: durability settings off for speed, the directory deleted when the cluster stops.</summary>
    public bool Ephemeral { get; init; }

    /// <summary>The application database, created when missing.</summary>
    public string Database { get; init; } = "bulwark";

    public int MaxConnections { get; init; } = 100;

    /// <summary>How long the server may take to accept connections (also bounds waiting for another starter of the same directory).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Extra postgresql.conf settings, applied last so they win over the defaults chosen here.</summary>
    public IReadOnlyDictionary<string, string> ServerSettings { get; init; } = NoSettings;

    /// <summary>
    /// Directories to look for initdb, pg_ctl and postgres in, in order. Null means PATH, then
    /// /usr/lib/postgresql/*/bin from the highest version down.
    /// </summary>
    public IReadOnlyList<string>? BinarySearchDirectories { get; init; }

    private static readonly IReadOnlyDictionary<string, string> NoSettings = ReadOnlyDictionary<string, string>.Empty;

    // The cluster owns these: letting a caller change them would break the loopback-only,
    // socket-less, port-from-the-pid-file contract the rest of this library relies on.
    private static readonly HashSet<string> ReservedSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "port", "listen_addresses", "unix_socket_directories", "max_connections", "data_directory", "hba_file", "config_file",
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming every invalid option.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Directory))
        {
            problems.Add("Directory must not be empty");
        }

        if (!IsValidDatabaseName(Database))
        {
            problems.Add($"Database '{Database}' must be 1-63 letters, digits, '_' or '-', starting with a letter or '_'");
        }

        if (MaxConnections is < 5 or > 10_000)
        {
            problems.Add($"MaxConnections {MaxConnections} must be between 5 and 10000");
        }

        if (StartTimeout < TimeSpan.FromSeconds(1) || StartTimeout > TimeSpan.FromMinutes(30))
        {
            problems.Add($"StartTimeout {StartTimeout} must be between 1 second and 30 minutes");
        }

        foreach (var (name, value) in ServerSettings ?? NoSettings)
        {
            if (!SettingName().IsMatch(name))
            {
                problems.Add($"server setting name '{name}' is not a valid PostgreSQL parameter name");
            }
            else if (ReservedSettings.Contains(name))
            {
                problems.Add($"server setting '{name}' is managed by LocalPostgresCluster" +
                    (name.Equals("max_connections", StringComparison.OrdinalIgnoreCase) ? "; use MaxConnections" : string.Empty));
            }

            if (value is null || value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
            {
                problems.Add($"server setting '{name}' needs a single-line value");
            }
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"Invalid LocalPostgresOptions: {string.Join("; ", problems)}.");
        }
    }

    internal static bool IsValidDatabaseName(string? name) => name is not null && DatabaseName().IsMatch(name);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]{0,62}$")]
    private static partial Regex DatabaseName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.]*$")]
    private static partial Regex SettingName();
}
