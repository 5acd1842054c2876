using System.Globalization;

namespace Bulwark.LocalPostgres.Cluster;

/// <summary>
/// What a running (or dead) server left in <c>postmaster.pid</c>: line 1 is the postmaster's
/// process id, line 4 its port. It is the one source of truth for the port of a server this
/// process did not start.
/// </summary>
internal sealed record PostmasterPidFile(int ProcessId, int Port)
{
    public static PostmasterPidFile? TryRead(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (lines.Length < 4
            || !int.TryParse(lines[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var processId)
            || !int.TryParse(lines[3].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return null;
        }

        return new PostmasterPidFile(processId, port);
    }
}
