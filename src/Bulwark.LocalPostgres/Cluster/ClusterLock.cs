namespace Bulwark.LocalPostgres.Cluster;

/// <summary>
/// An exclusive lock on a cluster directory while it is inspected, initialized and started, so two
/// processes starting the same directory at once cannot both run initdb or both start a server;
/// the second waits and then finds the first one's server running and reuses it.
/// </summary>
internal sealed class ClusterLock : IDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);
    private readonly FileStream stream;

    private ClusterLock(FileStream stream) => this.stream = stream;

    public static async Task<ClusterLock> AcquireAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var giveUpAt = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                // FileShare.None is an advisory flock on Unix: held per open file, released when closed or when the process dies.
                return new ClusterLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < giveUpAt)
            {
                await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new PostgresStartFailedException($"Another process kept {path} locked for {timeout.TotalSeconds:0} s while starting the cluster.", e);
            }
        }
    }

    public void Dispose() => stream.Dispose();
}
