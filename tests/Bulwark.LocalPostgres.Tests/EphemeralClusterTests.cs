using System.Text.RegularExpressions;
using Npgsql;

namespace Bulwark.LocalPostgres.Tests;

public sealed class EphemeralClusterTests
{
    [Fact]
    public async Task Ephemeral_cluster_serves_its_database_over_loopback_and_is_removed_on_dispose()
    {
        var cluster = await LocalPostgresCluster.StartEphemeralAsync();
        var directory = cluster.ClusterDirectory;
        var connectionString = cluster.ConnectionString;

        Assert.True(Directory.Exists(cluster.DataDirectory));
        Assert.False(cluster.Reused);
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        Assert.Equal("127.0.0.1", settings.Host);
        Assert.Equal(cluster.Port, settings.Port);
        Assert.Equal("postgres", settings.Username);
        Assert.Equal("bulwark", settings.Database);
        Assert.Equal(1, await Sql.ScalarAsync<int>(connectionString, "SELECT 1"));
        Assert.Equal("bulwark", await Sql.ScalarAsync<string>(connectionString, "SELECT current_database()"));
        Assert.Equal("UTF8", await Sql.ScalarAsync<string>(connectionString, "SHOW server_encoding"));
        Assert.Equal("127.0.0.1", await Sql.ScalarAsync<string>(connectionString, "SHOW listen_addresses"));
        Assert.Equal(string.Empty, await Sql.ScalarAsync<string>(connectionString, "SHOW unix_socket_directories"));
        Assert.Equal("off", await Sql.ScalarAsync<string>(connectionString, "SHOW fsync"));
        Assert.Equal("100", await Sql.ScalarAsync<string>(connectionString, "SHOW max_connections"));

        await cluster.DisposeAsync();

        Assert.False(Directory.Exists(directory));
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => Sql.OpenAsync(connectionString));
    }

    [Fact]
    public async Task Cluster_files_are_private_and_the_password_is_required()
    {
        await using var cluster = await LocalPostgresCluster.StartEphemeralAsync(maxConnections: 20);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(cluster.ClusterDirectory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(cluster.ClusterDirectory, "password")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(cluster.DataDirectory));
        if (Environment.UserName == "root")
        {
            // PostgreSQL refuses root, so as root the whole cluster belongs to the postgres OS user.
            Assert.Equal("postgres", await OwnerAsync(cluster.DataDirectory));
            Assert.Equal("postgres", await OwnerAsync(Path.Combine(cluster.ClusterDirectory, "password")));
        }

        var wrongPassword = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Password = "not-the-password" };
        var refused = await Assert.ThrowsAsync<PostgresException>(() => Sql.OpenAsync(wrongPassword.ConnectionString));
        Assert.Equal(PostgresErrorCodes.InvalidPassword, refused.SqlState);
        Assert.Equal(20, cluster.MaxConnections);
        Assert.Equal("20", await Sql.ScalarAsync<string>(cluster.ConnectionString, "SHOW max_connections"));
    }

    [Fact]
    public async Task Stop_is_idempotent()
    {
        var cluster = await LocalPostgresCluster.StartEphemeralAsync();

        await cluster.StopAsync();
        await cluster.StopAsync();
        await cluster.DisposeAsync();

        Assert.False(Directory.Exists(cluster.ClusterDirectory));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => cluster.StartServerAsync());
    }

    [Fact]
    public async Task Another_database_can_be_created_and_reached()
    {
        await using var cluster = await LocalPostgresCluster.StartEphemeralAsync();

        var connectionString = await cluster.CreateDatabaseAsync("orders_test");
        var again = await cluster.CreateDatabaseAsync("orders_test");

        Assert.Equal(connectionString, again);
        Assert.Equal("orders_test", await Sql.ScalarAsync<string>(connectionString, "SELECT current_database()"));
        await Assert.ThrowsAsync<ArgumentException>(() => cluster.CreateDatabaseAsync("bad\"name"));
    }

    [Fact]
    public async Task A_server_that_cannot_start_fails_with_the_tail_of_its_log_and_leaves_no_directory()
    {
        var options = new LocalPostgresOptions { ServerSettings = new Dictionary<string, string> { ["shared_buffers"] = "banana" } };
        var failure = await Assert.ThrowsAsync<PostgresStartFailedException>(() => LocalPostgresCluster.StartEphemeralAsync(options));

        Assert.Contains("banana", failure.Message, StringComparison.Ordinal);
        Assert.Contains("server.log", failure.Message, StringComparison.Ordinal);
        var directory = Regex.Match(failure.Message, @"/\S*bulwark-pg-[0-9a-f]{12}").Value;
        Assert.NotEmpty(directory);
        Assert.False(Directory.Exists(directory));
    }

    private static async Task<string> OwnerAsync(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%U", path]) { RedirectStandardOutput = true })!;
        var owner = await stat.StandardOutput.ReadToEndAsync();
        await stat.WaitForExitAsync();
        return owner.Trim();
    }
}
