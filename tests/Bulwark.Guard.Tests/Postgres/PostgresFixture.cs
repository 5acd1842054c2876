using Bulwark.LocalPostgres;
using Npgsql;

namespace Bulwark.Guard.Tests.Postgres;

/// <summary>
/// One throwaway PostgreSQL cluster for every database and HTTP test, with a small max_connections so
/// the ceiling is easy to reach and check. The tests sharing it run one after another.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public const int MaxConnections = 20;

    private LocalPostgresCluster? _cluster;

    public string ConnectionString => _cluster!.ConnectionString;

    public async Task InitializeAsync() =>
        _cluster = await LocalPostgresCluster.StartEphemeralAsync(maxConnections: MaxConnections);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>A connection outside any pool, for looking at the server from the side.</summary>
    public async Task<NpgsqlConnection> OpenObserverAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, ApplicationName = "guard-test-observer" };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await OpenObserverAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenObserverAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
