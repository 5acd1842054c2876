using Npgsql;

namespace Bulwark.Shop.Database;

/// <summary>
/// Applies the embedded migrations that a database has not seen yet, each in its own transaction and
/// recorded in <c>schema_migrations</c>. A session-level advisory lock serializes instances that start
/// at the same moment: the second waits, then finds everything applied.
/// </summary>
public sealed class MigrationRunner(DirectConnections direct, ILogger<MigrationRunner> logger)
{
    // Arbitrary but fixed: every Bulwark instance must contend for the same lock.
    private const long AdvisoryLockKey = 0x42_75_6C_77_61_72_6B;

    public async Task<int> ApplyAsync(IReadOnlyList<Migration> migrations, CancellationToken cancellationToken)
    {
        // Migrations run before any traffic is admitted and hold one connection briefly, so they use the
        // data source directly rather than the request gate.
        await using var connection = await direct.DataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", AdvisoryLockKey));
        try
        {
            await ExecuteAsync(connection, null, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken);

            var applied = new HashSet<int>();
            await using (var select = new NpgsqlCommand("SELECT version FROM schema_migrations", connection))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied.Add(reader.GetInt32(0));
                }
            }

            var count = 0;
            foreach (var migration in migrations.Where(m => !applied.Contains(m.Version)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
                await ExecuteAsync(connection, transaction, "INSERT INTO schema_migrations (version, name) VALUES (@version, @name)",
                    cancellationToken, ("version", migration.Version), ("name", migration.Name));
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied migration {Version} {Name}", migration.Version, migration.Name);
                count++;
            }

            return count;
        }
        finally
        {
            // Unlock even when cancelled: the connection returns to the pool and the lock must not go with it.
            await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", AdvisoryLockKey));
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql,
        CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
