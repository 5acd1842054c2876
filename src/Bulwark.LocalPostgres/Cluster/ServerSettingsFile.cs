using System.Globalization;
using System.Text;

namespace Bulwark.LocalPostgres.Cluster;

/// <summary>
/// Writes the settings file included from postgresql.conf before every start. Rewriting it each
/// time keeps postgresql.conf as initdb made it and lets the port and max_connections change
/// between starts.
/// </summary>
internal static class ServerSettingsFile
{
    public static string Render(int port, int maxConnections, bool ephemeral, IReadOnlyDictionary<string, string> extraSettings)
    {
        var text = new StringBuilder()
            .AppendLine("# Written by Bulwark.LocalPostgres before every start: edits here are overwritten.")
            .AppendLine("listen_addresses = '127.0.0.1'")
            .AppendLine(CultureInfo.InvariantCulture, $"port = {port}")
            // No unix socket: nothing here uses one, and a socket in /tmp or /var/run/postgresql
            // could collide with a system server or need permissions we do not have.
            .AppendLine("unix_socket_directories = ''")
            .AppendLine(CultureInfo.InvariantCulture, $"max_connections = {maxConnections}")
            .AppendLine("logging_collector = off")
            .AppendLine("log_line_prefix = '%m [%p] '");

        if (ephemeral)
        {
            // A throwaway cluster is deleted at the end of the run: crash safety only costs time.
            text.AppendLine("fsync = off")
                .AppendLine("synchronous_commit = off")
                .AppendLine("full_page_writes = off");
        }

        foreach (var (name, value) in extraSettings.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{name} = '{value.Replace("'", "''", StringComparison.Ordinal)}'");
        }

        return text.ToString();
    }
}
