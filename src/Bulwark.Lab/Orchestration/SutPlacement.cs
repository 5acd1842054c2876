using Bulwark.Lab.Measurement;
using Bulwark.LocalPostgres;

namespace Bulwark.Lab.Orchestration;

/// <summary>Where the lab's own PostgreSQL runs: found from its pid file, and moved onto the SUT's CPUs when isolated.</summary>
public static class SutPlacement
{
    /// <summary>
    /// The postmaster's pid (null if unreadable). LocalPostgres starts the server from inside the lab,
    /// so it inherits the lab's load-side CPUs; it and its current children are moved to the SUT's,
    /// and every backend it forks later inherits that.
    /// </summary>
    public static async Task<int?> PlacePostgresAsync(LocalPostgresCluster cluster, CpuSplit? isolation, CancellationToken ct)
    {
        var postmaster = ProcessTable.PostmasterPid(cluster.DataDirectory);
        if (isolation is null) return postmaster;
        if (postmaster is not { } pid) throw new InvalidOperationException($"Cannot isolate PostgreSQL: no pid in {cluster.DataDirectory}/postmaster.pid.");
        await CpuAffinity.PinTreeAsync(pid, isolation.Sut, ct);
        return pid;
    }
}
