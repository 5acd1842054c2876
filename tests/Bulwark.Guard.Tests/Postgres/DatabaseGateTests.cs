using Bulwark.Guard.Deadlines;
using Bulwark.Guard.DependencyInjection;
using Bulwark.Guard.Gate;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Bulwark.Guard.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class DatabaseGateTests(PostgresFixture postgres, ITestOutputHelper output)
{
    // max_connections 20 − superuser_reserved_connections 3 − the guard's default reserve 3.
    private const int ExpectedCeiling = PostgresFixture.MaxConnections - 3 - 3;

    [Fact]
    public async Task Ceiling_follows_max_connections_and_sizes_npgsqls_pool()
    {
        await using (var host = await GuardHost.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>()))
        {
            var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
            Assert.Equal(ExpectedCeiling, host.Services.GetRequiredService<GuardDataSourceFactory>().DiscoveredCeiling);
            Assert.Equal(ExpectedCeiling, new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxPoolSize);
            Assert.Equal(ExpectedCeiling, host.Statistics.Ceiling);
        }

        await using (var shared = await GuardHost.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>
        {
            ["Instances"] = "2",
            ["ReservedConnections"] = "4",
        }))
        {
            Assert.Equal((PostgresFixture.MaxConnections - 3 - 4) / 2, shared.Statistics.Ceiling);
        }
    }

    [Fact]
    public async Task Gate_never_holds_more_connections_than_its_ceiling_even_asked_for_more()
    {
        await using var host = await GuardHost.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>
        {
            ["PoolName"] = "guard-ceiling",
            ["Algorithm"] = "fixed",
            ["InitialLimit"] = "50",
            ["ReservedCriticalShare"] = "0",
        });
        Assert.Equal(ExpectedCeiling, host.Statistics.Limit);

        await using var observer = await postgres.OpenObserverAsync();
        var most = 0L;
        using var stop = new CancellationTokenSource();
        var watching = Task.Run(async () =>
        {
            await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'guard-ceiling'", observer);
            while (!stop.IsCancellationRequested)
            {
                most = Math.Max(most, (long)(await count.ExecuteScalarAsync())!);
            }
        });

        var callers = Enumerable.Range(0, 100).Select(_ => Task.Run(() => host.Gate.RunAsync(Priority.Normal, CancellationToken.None,
            async (connection, token) =>
            {
                await using var sleep = new NpgsqlCommand("SELECT pg_sleep(0.05)", connection);
                return await sleep.ExecuteScalarAsync(token);
            })));
        await Task.WhenAll(callers);
        await stop.CancelAsync();
        await watching;

        output.WriteLine($"most connections seen in pg_stat_activity: {most} (ceiling {ExpectedCeiling})");
        Assert.InRange(most, ExpectedCeiling / 2, ExpectedCeiling);
        Assert.Equal(100, host.Statistics.Admitted.Normal);
    }

    [Fact]
    public async Task Expired_and_cancelled_waiters_never_reach_the_server()
    {
        await postgres.ExecuteAsync("CREATE TABLE IF NOT EXISTS reached (marker text)");
        await using var host = await GuardHost.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>
        {
            ["Algorithm"] = "fixed",
            ["InitialLimit"] = "1",
            ["Floor"] = "1",
        });
        var gate = host.Gate;
        Func<NpgsqlConnection, CancellationToken, Task<int>> insert(string marker) => async (connection, token) =>
        {
            await using var command = new NpgsqlCommand($"INSERT INTO reached VALUES ('{marker}')", connection);
            return await command.ExecuteNonQueryAsync(token);
        };

        await using (await gate.AcquireAsync(Priority.Normal, CancellationToken.None))
        {
            var expiring = Task.Run(async () =>
            {
                using var deadline = RequestDeadline.Set(DateTimeOffset.UtcNow.AddMilliseconds(300));
                return await gate.RunAsync(Priority.Normal, CancellationToken.None, insert("expired"));
            });
            using var quit = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
            var cancelled = gate.RunAsync(Priority.Normal, quit.Token, insert("cancelled"));

            var refusal = await Assert.ThrowsAsync<AdmissionRejectedException>(() => expiring);
            Assert.Equal(RejectionReason.Expired, refusal.Reason);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
            await Task.Delay(200);
        }

        await gate.RunAsync(Priority.Normal, CancellationToken.None, insert("served"));
        Assert.Equal(0, await postgres.ScalarAsync("SELECT count(*) FROM reached WHERE marker IN ('expired', 'cancelled')"));
        Assert.Equal(1, await postgres.ScalarAsync("SELECT count(*) FROM reached WHERE marker = 'served'"));
        Assert.Equal(1, host.Statistics.Timeouts);
    }

    [Fact]
    public async Task A_statement_is_cancelled_on_the_server_when_the_deadline_passes()
    {
        await using var host = await GuardHost.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>
        {
            ["PoolName"] = "guard-deadline",
        });
        using var deadline = RequestDeadline.Set(DateTimeOffset.UtcNow.AddMilliseconds(400));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.Gate.RunAsync(Priority.Normal, CancellationToken.None,
            async (connection, token) =>
            {
                await using var sleep = new NpgsqlCommand("SELECT pg_sleep(30)", connection);
                return await sleep.ExecuteScalarAsync(token);
            }));

        Assert.Equal(0, await postgres.ScalarAsync(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'guard-deadline' AND state = 'active'"));
        Assert.Equal(1, host.Statistics.Timeouts);
    }

    [Fact]
    public async Task A_backend_killed_mid_request_is_retried_on_a_fresh_connection()
    {
        await using var host = await GuardHost.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>());
        var attempts = 0;

        var answer = await host.Gate.RunAsync(Priority.Critical, CancellationToken.None, async (connection, token) =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                await KillAsync(connection.ProcessID);
            }

            await using var command = new NpgsqlCommand("SELECT 42", connection);
            return (int)(await command.ExecuteScalarAsync(token))!;
        });

        Assert.Equal(42, answer);
        Assert.Equal(2, attempts);
        Assert.Equal(1, host.Statistics.Retries);
    }

    [Fact]
    public async Task Retries_stop_when_the_budget_is_spent()
    {
        await using var host = await GuardHost.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>
        {
            ["Retry:MinRetriesPerWindow"] = "0",
        });
        var attempts = 0;

        // One first attempt earns a tenth of a retry: not enough for one.
        var failure = await Assert.ThrowsAnyAsync<NpgsqlException>(() => host.Gate.RunAsync(Priority.Critical, CancellationToken.None,
            async (connection, token) =>
            {
                Interlocked.Increment(ref attempts);
                await KillAsync(connection.ProcessID);
                await using var command = new NpgsqlCommand("SELECT 42", connection);
                return await command.ExecuteScalarAsync(token);
            }));

        Assert.True(failure.IsTransient);
        Assert.Equal(1, attempts);
        Assert.Equal(0, host.Statistics.Retries);
        Assert.Contains(host.Logs.Warnings, w => w.Contains("retry budget is spent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_lease_held_too_long_is_reported_with_the_operation_that_holds_it()
    {
        await using var host = await GuardHost.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>
        {
            ["LeakThreshold"] = "00:00:00.300",
        });

        using (GateOperation.Begin("GET /reports/slow"))
        {
            await using var lease = await host.Gate.AcquireAsync(Priority.Normal, CancellationToken.None);
            await Task.Delay(TimeSpan.FromMilliseconds(700));
        }

        Assert.Equal(1, host.Statistics.LeaksSuspected);
        var warning = Assert.Single(host.Logs.Warnings, w => w.Contains("leak threshold", StringComparison.Ordinal));
        Assert.Contains("GET /reports/slow", warning, StringComparison.Ordinal);
    }

    private async Task KillAsync(int processId)
    {
        await using var observer = await postgres.OpenObserverAsync();
        await using var kill = new NpgsqlCommand($"SELECT pg_terminate_backend({processId})", observer);
        await kill.ExecuteScalarAsync();
    }
}
