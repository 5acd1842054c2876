using Npgsql;

namespace Bulwark.Guard.Gate;

/// <summary>
/// The single door to the database. Every use of a connection passes here with its priority, so
/// that the number of busy connections stays where the database is fastest and the most important
/// work is served first when there is not enough for everyone.
/// </summary>
public interface IDatabaseGate
{
    /// <summary>
    /// Runs <paramref name="work"/> on an open connection once admitted. The work may be run again on a
    /// fresh connection after a transient failure, so it must be safe to repeat (one transaction per call).
    /// </summary>
    Task<T> RunAsync<T>(Priority priority, CancellationToken cancellationToken,
        Func<NpgsqlConnection, CancellationToken, Task<T>> work);

    /// <summary>Admits the caller and hands out an open connection until the lease is disposed. No retries.</summary>
    ValueTask<DatabaseLease> AcquireAsync(Priority priority, CancellationToken cancellationToken);
}
