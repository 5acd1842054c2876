using System.Globalization;

namespace Bulwark.LocalPostgres.Cluster;

/// <summary>
/// The files of one cluster. The root holds what belongs to the library (password, server log,
/// lock); <c>data/</c> is PostgreSQL's own data directory, so it can be wiped and re-initialized
/// without touching the rest.
/// </summary>
internal sealed record ClusterLayout(string Root)
{
    public string DataDirectory => Path.Combine(Root, "data");

    public string PasswordFile => Path.Combine(Root, "password");

    public string LogFile => Path.Combine(Root, "server.log");

    public string LockFile => Path.Combine(Root, "cluster.lock");

    /// <summary>Process id of the owner of an ephemeral cluster, so leftovers of a killed test run can be recognised.</summary>
    public string OwnerFile => Path.Combine(Root, "owner.pid");

    public string PidFile => Path.Combine(DataDirectory, "postmaster.pid");

    public string MainConfigFile => Path.Combine(DataDirectory, "postgresql.conf");

    public string SettingsFileName => "bulwark.conf";

    public string SettingsFile => Path.Combine(DataDirectory, SettingsFileName);

    /// <summary>
    /// The major version the data directory was created with, or null when initdb never finished
    /// (PG_VERSION is written last by initdb, so its absence means a half-built directory).
    /// </summary>
    public int? ReadMajorVersion()
    {
        var versionFile = Path.Combine(DataDirectory, "PG_VERSION");
        if (!File.Exists(versionFile))
        {
            return null;
        }

        var text = File.ReadAllText(versionFile).Trim();
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : null;
    }
}
