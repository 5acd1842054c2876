using Npgsql;

namespace Bulwark.Guard.Gate;

/// <summary>What the server allows: the raw numbers the ceiling is computed from.</summary>
/// <param name="MaxConnections">max_connections.</param>
/// <param name="SuperuserReserved">superuser_reserved_connections.</param>
/// <param name="Reserved">reserved_connections (PostgreSQL 16+, for pg_use_reserved_connections; 0 before).</param>
public sealed record ServerConnectionBudget(int MaxConnections, int SuperuserReserved, int Reserved)
{
    /// <summary>
    /// Connections one instance may hold: what ordinary roles can open, less the operator's reserve
    /// (migrations, psql, monitoring, PgBouncer admin), shared evenly by the instances. At least 1.
    /// </summary>
    public int CeilingFor(int reserve, int instances) =>
        Math.Max(1, (MaxConnections - SuperuserReserved - Reserved - reserve) / Math.Max(1, instances));
}

/// <summary>Reads the server's connection budget, from which the gate's ceiling and Npgsql's pool size follow.</summary>
public static class CeilingDiscovery
{
    private const string Query =
        "SELECT name, setting::int FROM pg_settings " +
        "WHERE name IN ('max_connections', 'superuser_reserved_connections', 'reserved_connections')";

    public static async Task<ServerConnectionBudget> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Query, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var settings = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            settings[reader.GetString(0)] = reader.GetInt32(1);
        }

        return new ServerConnectionBudget(
            settings.GetValueOrDefault("max_connections", 100),
            settings.GetValueOrDefault("superuser_reserved_connections", 3),
            settings.GetValueOrDefault("reserved_connections", 0));
    }

    /// <summary>Reads it over one unpooled connection, leaving any pool untouched (used before the pool exists).</summary>
    public static async Task<ServerConnectionBudget> ReadAsync(string connectionString, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return await ReadAsync(connection, cancellationToken);
    }
}
