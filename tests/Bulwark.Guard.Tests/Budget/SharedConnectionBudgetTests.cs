using Bulwark.Guard.Gate;
using Bulwark.Guard.Tests.Postgres;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Guard.Tests.Budget;

/// <summary>
/// Issue 12: instances sharing one server divide its connections by the live count, with no
/// <c>Guard:Instances</c> to keep right, and never claim more than the budget between them.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SharedConnectionBudgetTests(PostgresFixture postgres)
{
    // max_connections 20 − 3 superuser-reserved − 3 Guard:ReservedConnections.
    private const int Budget = PostgresFixture.MaxConnections - 3 - 3;

    // A pool of its own: other tests' guarded apps on the same server register as instances of the default pool
    // "bulwark", and one still stopping when this test began took a share of the budget (a CI run saw 10 of 14).
    private const string Pool = "budget-test";

    private static readonly Dictionary<string, string?> Fast = new()
    {
        ["PoolName"] = Pool,
        ["ShareBudget"] = "true",
        ["InstanceHeartbeat"] = "00:00:00.200",
        // Three seconds, not one: with every test assembly busy on two cores a live instance's heartbeat
        // can stall past a second; the others then forget it and it rejoins last in start order.
        ["InstanceExpiry"] = "00:00:03",
        ["Floor"] = "1",
    };

    [Fact]
    public async Task Instances_divide_the_budget_by_the_live_count_as_they_come_and_go_and_never_claim_more_than_it()
    {
        await postgres.ExecuteAsync("DROP TABLE IF EXISTS bulwark_guard_instances");
        await using var first = await GuardHost.StartAsync(postgres.ConnectionString, Fast);
        Assert.Equal(Budget, Share(first));

        await using var second = await GuardHost.StartAsync(postgres.ConnectionString, Fast);
        await SettleAsync([first, second], [7, 7]);

        var third = await GuardHost.StartAsync(postgres.ConnectionString, Fast);
        await SettleAsync([first, second, third], [5, 5, 4]);

        // A clean stop gives the share back at once; the others take it at their next heartbeat.
        await third.DisposeAsync();
        await SettleAsync([first, second], [7, 7]);

        // An instance that died without a word (a row no heartbeat renews) holds its claim until it expires.
        await postgres.ExecuteAsync($"""
            INSERT INTO bulwark_guard_instances (pool, id, host, pid, claim) VALUES ('{Pool}', gen_random_uuid(), 'gone', 1, 0)
            """);
        await SettleAsync([first, second], [5, 5]);
        await SettleAsync([first, second], [7, 7]);
    }

    private static int Share(GuardHost host) => host.Services.GetRequiredService<IGateControl>().ServerCeiling;

    /// <summary>
    /// Waits for the shares, checking on the way that the recorded claims stay within the budget. Which instance
    /// holds the remainder is compared as a multiset: an instance whose heartbeat stalled past the expiry (a busy
    /// machine) rejoins last in start order, and the remainder rightly moves with that order.
    /// </summary>
    private async Task SettleAsync(GuardHost[] hosts, int[] shares)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var claimed = await postgres.ScalarAsync($"SELECT coalesce(sum(claim), 0) FROM bulwark_guard_instances WHERE pool = '{Pool}'");
            Assert.True(claimed <= Budget, $"the instances claimed {claimed} of a budget of {Budget}");
            if (hosts.Select(Share).Order().SequenceEqual(shares.Order()))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"Shares {string.Join(", ", hosts.Select(Share))} did not settle on {string.Join(", ", shares)} within 10 s (in any order).");
    }
}
