using Npgsql;

namespace Bulwark.LocalPostgres.Tests;

public sealed class ServerRestartTests
{
    [Fact]
    public async Task Server_stopped_and_started_again_keeps_its_port_and_data()
    {
        await using var cluster = await LocalPostgresCluster.StartEphemeralAsync();
        var port = cluster.Port;
        var connectionString = cluster.ConnectionString;
        await Sql.ExecuteAsync(connectionString, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (5)");

        await cluster.StopServerAsync();

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => Sql.OpenAsync(connectionString));

        await cluster.StartServerAsync();

        Assert.Equal(port, cluster.Port);
        Assert.Equal(connectionString, cluster.ConnectionString);
        Assert.Equal(5, await Sql.ScalarAsync<int>(connectionString, "SELECT id FROM kept"));
    }

    [Fact]
    public async Task Starting_a_running_server_changes_nothing()
    {
        await using var cluster = await LocalPostgresCluster.StartEphemeralAsync();
        var startedAt = await Sql.ScalarAsync<DateTime>(cluster.ConnectionString, "SELECT pg_postmaster_start_time()");

        await cluster.StartServerAsync();

        Assert.Equal(startedAt, await Sql.ScalarAsync<DateTime>(cluster.ConnectionString, "SELECT pg_postmaster_start_time()"));
    }

    [Fact]
    public async Task Restart_applies_a_new_max_connections_on_the_same_port()
    {
        await using var cluster = await LocalPostgresCluster.StartEphemeralAsync();
        var port = cluster.Port;

        await cluster.RestartAsync(maxConnections: 12);

        Assert.Equal(port, cluster.Port);
        Assert.Equal(12, cluster.MaxConnections);
        Assert.Equal("12", await Sql.ScalarAsync<string>(cluster.ConnectionString, "SHOW max_connections"));
        await Assert.ThrowsAsync<ArgumentException>(() => cluster.RestartAsync(maxConnections: 1));
    }
}
