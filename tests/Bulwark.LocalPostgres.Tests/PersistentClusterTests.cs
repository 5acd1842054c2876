using System.Diagnostics;

namespace Bulwark.LocalPostgres.Tests;

public sealed class PersistentClusterTests : IDisposable
{
    private readonly TempDirectory temp = new();

    private LocalPostgresOptions Options => new() { Directory = temp.Combine("postgres"), Database = "shop" };

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Stopped_cluster_starts_again_with_its_data_and_settings()
    {
        var options = Options with { ServerSettings = new Dictionary<string, string> { ["work_mem"] = "8MB" } };
        await using (var first = await LocalPostgresCluster.StartAsync(options))
        {
            Assert.False(first.Reused);
            await Sql.ExecuteAsync(first.ConnectionString, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (42)");
        }

        Assert.False(File.Exists(Path.Combine(options.Directory, "data", "postmaster.pid")));

        await using var second = await LocalPostgresCluster.StartAsync(options);
        Assert.False(second.Reused);
        Assert.Equal(42, await Sql.ScalarAsync<int>(second.ConnectionString, "SELECT id FROM kept"));
        Assert.Equal("8MB", await Sql.ScalarAsync<string>(second.ConnectionString, "SHOW work_mem"));
        Assert.Equal("on", await Sql.ScalarAsync<string>(second.ConnectionString, "SHOW fsync"));
        Assert.True(Directory.Exists(options.Directory));
    }

    [Fact]
    public async Task Server_left_running_by_a_previous_owner_is_reused_on_its_port()
    {
        var abandoned = await LocalPostgresCluster.StartAsync(Options);
        await Sql.ExecuteAsync(abandoned.ConnectionString, "CREATE TABLE left_behind (id int); INSERT INTO left_behind VALUES (7)");

        var successor = await LocalPostgresCluster.StartAsync(Options);

        Assert.True(successor.Reused);
        Assert.Equal(abandoned.Port, successor.Port);
        Assert.Equal(abandoned.ConnectionString, successor.ConnectionString);
        Assert.Equal(7, await Sql.ScalarAsync<int>(successor.ConnectionString, "SELECT id FROM left_behind"));

        await successor.DisposeAsync();
        Assert.False(File.Exists(Path.Combine(successor.DataDirectory, "postmaster.pid")));
        await abandoned.DisposeAsync();
    }

    [Fact]
    public async Task Killed_server_leaves_a_stale_pid_file_that_does_not_block_the_next_start()
    {
        var crashed = await LocalPostgresCluster.StartAsync(Options);
        await Sql.ExecuteAsync(crashed.ConnectionString, "CREATE TABLE survived (id int); INSERT INTO survived VALUES (1); CHECKPOINT");
        var pidFile = Path.Combine(crashed.DataDirectory, "postmaster.pid");
        using (var postmaster = Process.GetProcessById(int.Parse(File.ReadLines(pidFile).First())))
        {
            postmaster.Kill();
            await postmaster.WaitForExitAsync();
        }

        Assert.True(File.Exists(pidFile));

        await using var restarted = await LocalPostgresCluster.StartAsync(Options);

        Assert.False(restarted.Reused);
        Assert.Equal(1, await Sql.ScalarAsync<int>(restarted.ConnectionString, "SELECT count(*)::int FROM survived"));
    }

    [Fact]
    public async Task Half_initialized_directory_is_removed_and_initialized_again()
    {
        var options = Options;
        var dataDirectory = Path.Combine(options.Directory, "data");
        Directory.CreateDirectory(Path.Combine(dataDirectory, "base"));
        await File.WriteAllTextAsync(Path.Combine(dataDirectory, "base", "debris"), "initdb was killed here");

        await using var cluster = await LocalPostgresCluster.StartAsync(options);

        Assert.False(cluster.Reused);
        Assert.False(File.Exists(Path.Combine(dataDirectory, "base", "debris")));
        Assert.True(File.Exists(Path.Combine(dataDirectory, "PG_VERSION")));
        Assert.Equal("shop", await Sql.ScalarAsync<string>(cluster.ConnectionString, "SELECT current_database()"));
    }
}
