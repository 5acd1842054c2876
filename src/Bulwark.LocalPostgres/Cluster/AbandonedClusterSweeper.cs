using System.Globalization;
using Bulwark.LocalPostgres.Binaries;
using Bulwark.LocalPostgres.Processes;
using Microsoft.Extensions.Logging;

namespace Bulwark.LocalPostgres.Cluster;

/// <summary>
/// Removes ephemeral clusters whose owning process died without stopping them (a test host killed
/// on timeout leaves a running server and a temp directory). Run before each new ephemeral
/// cluster, so a machine that runs the tests every day does not accumulate servers.
/// </summary>
internal static class AbandonedClusterSweeper
{
    public const string DirectoryPrefix = "bulwark-pg-";

    // A directory without an owner file may be one another process is creating right now.
    private static readonly TimeSpan OwnerlessGrace = TimeSpan.FromHours(1);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    public static async Task SweepAsync(string parent, PostgresBinaries binaries, ServerAccount account, ILogger logger, CancellationToken cancellationToken)
    {
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateDirectories(parent, DirectoryPrefix + "*").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (var root in candidates)
        {
            var layout = new ClusterLayout(root);
            var owner = ReadOwner(layout);
            if (owner is { } pid ? ServerProcess.Exists(pid) : Directory.GetCreationTimeUtc(root) > DateTime.UtcNow - OwnerlessGrace)
            {
                continue;
            }

            try
            {
                if (ServerProcess.Inspect(layout.PidFile).State == ServerState.Running)
                {
                    await account.RunAsync(binaries.PgCtl, ["stop", "-D", layout.DataDirectory, "-m", "immediate", "-w", "-t", "20"], "/", StopTimeout, cancellationToken)
                        .ConfigureAwait(false);
                }

                Directory.Delete(root, recursive: true);
                logger.RemovedAbandoned(root, owner ?? 0);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or TimeoutException)
            {
                // Someone else's directory, or one we cannot stop: leave it, it does not block us.
                logger.CouldNotRemove(e, root);
            }
        }
    }

    public static void WriteOwner(ClusterLayout layout) =>
        File.WriteAllText(layout.OwnerFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

    private static int? ReadOwner(ClusterLayout layout)
    {
        try
        {
            return int.TryParse(File.ReadAllText(layout.OwnerFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
