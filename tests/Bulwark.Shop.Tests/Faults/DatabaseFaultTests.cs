using System.Diagnostics;
using System.Globalization;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.Tests.Operations;
using Npgsql;
using Xunit.Abstractions;

namespace Bulwark.Shop.Tests.Faults;

/// <summary>
/// PostgreSQL crashing or hanging under a purchase load: while it is gone every request is answered within
/// its deadline (503 + Retry-After with problem details, never a 500, never a hang), the shop recovers by
/// itself when it is back, and the stock invariant holds. Each test has a shop and cluster of its own.
/// </summary>
[Collection(MeasuredFaultsCollection.Name)]
public sealed class DatabaseFaultTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>
    /// Every priority's deadline (Guard:Deadlines, 2 s), the second the gate still waits for a server that
    /// does not confirm a cancel (a hung one), and what a busy CI machine adds to an answer.
    /// </summary>
    private static readonly TimeSpan Slowest = TimeSpan.FromSeconds(2) + TimeSpan.FromSeconds(1) + TimeSpan.FromSeconds(1.5);

    private const int InitialStock = 100_000;

    /// <summary>
    /// A throwaway cluster trades crash safety for speed (synchronous_commit off); these tests crash it, so
    /// commits must be durable as on a real server: a commit the shop saw must survive the crash.
    /// </summary>
    private readonly ShopFixture _shop = new(new Dictionary<string, string> { ["synchronous_commit"] = "on" });

    public Task InitializeAsync() => _shop.InitializeAsync();

    public Task DisposeAsync() => _shop.DisposeAsync();

    [Fact]
    public async Task A_database_crash_under_load_is_answered_with_fast_503s_and_the_shop_recovers_by_itself()
    {
        var products = await ProductsAsync();
        await using var load = await PurchaseLoad.StartAsync(_shop.BaseAddress, buyers: 6, products);
        await Task.Delay(TimeSpan.FromSeconds(2));

        var crashedAt = load.Now;
        await _shop.Cluster.CrashServerAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var restartedAt = load.Now;
        await _shop.Cluster.StartServerAsync();
        await Task.Delay(TimeSpan.FromSeconds(8));
        await load.StopAsync();

        var answers = load.Answers();
        Report(answers, crashedAt, restartedAt);
        AssertFastAndHonest(answers);
        Assert.Contains(answers, answer => answer.SentAt > crashedAt && answer.SentAt < restartedAt && answer.Status == 503);
        AssertRecovered(answers, restartedAt, within: TimeSpan.FromSeconds(5));
        await AssertStockInvariantAsync(products);
    }

    [Fact]
    public async Task A_database_that_hangs_keeps_every_deadline_and_no_connection_leaks_after_it_resumes()
    {
        var products = await ProductsAsync();
        await using var load = await PurchaseLoad.StartAsync(_shop.BaseAddress, buyers: 6, products);
        await Task.Delay(TimeSpan.FromSeconds(2));

        var postmaster = _shop.Cluster.ServerProcessId ?? throw new InvalidOperationException("PostgreSQL is not running.");
        var frozeAt = load.Now;
        var frozen = await FreezeAsync(postmaster);
        TimeSpan resumedAt;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(6));
        }
        finally
        {
            resumedAt = load.Now;
            await SignalAsync("CONT", frozen);
        }

        await Task.Delay(TimeSpan.FromSeconds(6));
        await load.StopAsync();

        var answers = load.Answers();
        Report(answers, frozeAt, resumedAt);
        AssertFastAndHonest(answers);
        Assert.Contains(answers, answer => answer.SentAt > frozeAt + TimeSpan.FromSeconds(1) && answer.SentAt < resumedAt && answer.Status == 503);
        AssertRecovered(answers, resumedAt, within: TimeSpan.FromSeconds(5));
        await AssertStockInvariantAsync(products);

        // Every lease went back once the server moved again: with the load stopped, the gate holds no connection.
        using var client = _shop.Client();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        double? used;
        do
        {
            await Task.Delay(200);
            used = ScrapeText.Sum(await client.GetStringAsync("/metrics"), "db_client_connection_count",
                ("otel_scope_name", "Bulwark.Guard"), ("db_client_connection_state", "used"));
        }
        while (used != 0 && DateTime.UtcNow < deadline);

        Assert.Equal(0, used);
    }

    private async Task<long[]> ProductsAsync()
    {
        var products = new[] { _shop.ReserveProduct(), _shop.ReserveProduct() };
        foreach (var product in products)
        {
            await _shop.SetStockAsync(product, InitialStock);
        }

        return products;
    }

    /// <summary>Nothing the client can see as a server fault: no 500, no broken connection, nothing slower than its deadline.</summary>
    private static void AssertFastAndHonest(IReadOnlyList<PurchaseLoad.Answer> answers)
    {
        Assert.NotEmpty(answers);
        Assert.All(answers, answer =>
        {
            Assert.True(answer.Status is 200 or 201 or 202 or 503,
                $"{answer.Request} sent at {answer.SentAt.TotalSeconds:0.00} s was answered {answer.Status}");
            Assert.True(answer.Took <= Slowest,
                $"{answer.Request} sent at {answer.SentAt.TotalSeconds:0.00} s took {answer.Took.TotalMilliseconds:0} ms");
            if (answer.Status == 503)
            {
                Assert.True(answer.ProblemDetails && answer.RetryAfter, $"a 503 at {answer.SentAt.TotalSeconds:0.00} s lacked problem details or Retry-After");
            }
        });
    }

    /// <summary>Purchases go through again soon after the database is back, with no restart of the shop.</summary>
    private static void AssertRecovered(IReadOnlyList<PurchaseLoad.Answer> answers, TimeSpan backAt, TimeSpan within)
    {
        var firstPaid = answers.Where(answer => answer.Request == "checkout" && answer.Status == 201 && answer.SentAt > backAt)
            .Select(answer => answer.SentAt + answer.Took).DefaultIfEmpty(TimeSpan.MaxValue).Min();
        Assert.True(firstPaid - backAt <= within, $"no purchase succeeded within {within.TotalSeconds} s of the database coming back");
        var lastSecond = answers.Where(answer => answer.SentAt > answers.Max(a => a.SentAt) - TimeSpan.FromSeconds(2)).ToList();
        Assert.Contains(lastSecond, answer => answer.Status == 201);
    }

    private async Task AssertStockInvariantAsync(long[] products)
    {
        // The test's own pooled connections died with the server too.
        NpgsqlConnection.ClearAllPools();
        await _shop.ReconcileUntilNoneOpenAsync();
        foreach (var product in products)
        {
            Assert.Equal(InitialStock, await _shop.StockAsync(product) + await _shop.UnitsInLiveOrdersAsync(product));
        }
    }

    private void Report(IReadOnlyList<PurchaseLoad.Answer> answers, TimeSpan faultAt, TimeSpan backAt)
    {
        foreach (var (phase, from, to) in new[] { ("before", TimeSpan.Zero, faultAt), ("fault", faultAt, backAt), ("after", backAt, TimeSpan.MaxValue) })
        {
            var inPhase = answers.Where(answer => answer.SentAt >= from && answer.SentAt < to).ToList();
            var statuses = string.Join(", ", inPhase.GroupBy(answer => answer.Status).OrderBy(group => group.Key).Select(group => $"{group.Key}: {group.Count()}"));
            var slowest = inPhase.Count == 0 ? 0 : inPhase.Max(answer => answer.Took.TotalMilliseconds);
            var refusals = string.Join(", ", inPhase.Where(answer => answer.Title is not null).GroupBy(answer => answer.Title).Select(group => $"{group.Key}: {group.Count()}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{phase}: {inPhase.Count} answers ({statuses}); slowest {slowest:0} ms; problems: {refusals}"));
        }

        var firstPaid = answers.Where(answer => answer.Status == 201 && answer.SentAt > backAt).Select(answer => answer.SentAt + answer.Took).DefaultIfEmpty().Min();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first purchase after the database came back: {(firstPaid - backAt).TotalSeconds:0.00} s"));
    }

    /// <summary>
    /// Stops the postmaster first, so that it forks no new backend, then its children until a look at /proc finds
    /// none still running. Taking the tree first and stopping it after let a backend forked in between (a pool
    /// opening a connection) serve the whole "hang" (a CI run: checkouts reserved and failed while "frozen").
    /// </summary>
    private static async Task<List<int>> FreezeAsync(int postmaster)
    {
        var frozen = new List<int> { postmaster };
        await SignalAsync("STOP", frozen);
        for (var look = 0; look < 10; look++)
        {
            var fresh = Children(postmaster).Except(frozen).ToList();
            if (fresh.Count == 0)
            {
                return frozen;
            }

            await SignalAsync("STOP", fresh);
            frozen.AddRange(fresh);
        }

        throw new InvalidOperationException("PostgreSQL's children kept changing while being stopped.");
    }

    /// <summary>The children of <paramref name="root"/> (backends, background workers), read from /proc.</summary>
    private static List<int> Children(int root)
    {
        var tree = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && ParentOf(directory) == root)
            {
                tree.Add(pid);
            }
        }

        return tree;
    }

    private static int? ParentOf(string procDirectory)
    {
        try
        {
            // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
            var stat = File.ReadAllText(Path.Combine(procDirectory, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null; // the process ended while we looked
        }
    }

    private static async Task SignalAsync(string signal, IEnumerable<int> processes)
    {
        var start = new ProcessStartInfo("kill") { ArgumentList = { $"-{signal}" } };
        foreach (var pid in processes)
        {
            start.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        }

        using var kill = Process.Start(start)!;
        await kill.WaitForExitAsync();
    }
}
