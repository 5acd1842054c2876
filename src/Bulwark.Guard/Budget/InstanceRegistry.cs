using Npgsql;

namespace Bulwark.Guard.Budget;

/// <summary>
/// The instances sharing one connection budget, as rows in PostgreSQL (<c>bulwark_guard_instances</c>):
/// each heartbeat refreshes this instance's row, forgets instances silent for longer than the expiry, and
/// records this instance's claim. A table lock serializes heartbeats, so every claim is computed from the
/// others' latest ones. Plain SQL in short transactions: it works through PgBouncer in transaction mode.
/// </summary>
public sealed class InstanceRegistry(string pool, Guid self, TimeSpan expiry)
{
    private const string Table = "bulwark_guard_instances";

    public Guid Self => self;

    public static async Task EnsureTableAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // Instances starting together race to create the table; the loser's duplicate error is harmless.
        try
        {
            await using var create = new NpgsqlCommand($"""
                CREATE TABLE IF NOT EXISTS {Table} (
                    pool       text        NOT NULL,
                    id         uuid        NOT NULL,
                    host       text        NOT NULL,
                    pid        integer     NOT NULL,
                    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                    last_seen  timestamptz NOT NULL DEFAULT clock_timestamp(),
                    claim      integer     NOT NULL DEFAULT 0,
                    PRIMARY KEY (pool, id))
                """, connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
        {
        }
    }

    /// <summary>
    /// One heartbeat: answers the live instances (this one included) in start order with their claims,
    /// then lets <paramref name="decide"/> pick this instance's new claim — and act on it while the lock is
    /// held, e.g. shrink before the smaller claim becomes visible — and records it.
    /// </summary>
    public async Task<(int Instances, int Claim)> HeartbeatAsync(NpgsqlConnection connection, Func<IReadOnlyList<InstanceClaim>, int> decide,
        CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var refresh = new NpgsqlCommand($"""
            LOCK TABLE {Table} IN SHARE ROW EXCLUSIVE MODE;
            DELETE FROM {Table} WHERE pool = @pool AND id <> @id AND last_seen < clock_timestamp() - @expiry;
            INSERT INTO {Table} (pool, id, host, pid) VALUES (@pool, @id, @host, @pid)
            ON CONFLICT (pool, id) DO UPDATE SET last_seen = clock_timestamp();
            SELECT id, claim FROM {Table} WHERE pool = @pool ORDER BY started_at, id;
            """, connection, transaction))
        {
            refresh.Parameters.AddWithValue("pool", pool);
            refresh.Parameters.AddWithValue("id", self);
            refresh.Parameters.AddWithValue("host", Environment.MachineName);
            refresh.Parameters.AddWithValue("pid", Environment.ProcessId);
            refresh.Parameters.AddWithValue("expiry", expiry);
            var live = new List<InstanceClaim>();
            await using (var reader = await refresh.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    live.Add(new InstanceClaim(reader.GetGuid(0), reader.GetInt32(1)));
                }
            }

            var claim = decide(live);
            await using var record = new NpgsqlCommand($"UPDATE {Table} SET claim = @claim WHERE pool = @pool AND id = @id", connection, transaction);
            record.Parameters.AddWithValue("claim", claim);
            record.Parameters.AddWithValue("pool", pool);
            record.Parameters.AddWithValue("id", self);
            await record.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return (live.Count, claim);
        }
    }

    /// <summary>On a clean stop: the others may take this instance's share at their next heartbeat.</summary>
    public async Task LeaveAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var leave = new NpgsqlCommand($"DELETE FROM {Table} WHERE pool = @pool AND id = @id", connection);
        leave.Parameters.AddWithValue("pool", pool);
        leave.Parameters.AddWithValue("id", self);
        await leave.ExecuteNonQueryAsync(cancellationToken);
    }
}
