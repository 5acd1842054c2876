using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Lab.Cluster;
using Bulwark.Lab.Metrics;
using Bulwark.LocalPostgres;

namespace Bulwark.Lab.Tests.Cluster;

/// <summary>
/// Issue 12 on real engines: nginx → three shops → PgBouncer (transaction mode) → PostgreSQL, a streaming
/// standby for catalog reads, as <c>lab cluster up</c> starts them.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterTests(ClusterFixture cluster)
{
    private ClusterManifest Manifest => cluster.Manifest;

    [Fact]
    public async Task Three_instances_started_at_once_behind_PgBouncer_migrate_once_and_all_serve_through_nginx()
    {
        // The fixture started all three together; the advisory lock (on the direct session) let one migrate.
        var migrations = Directory.GetFiles(Path.Combine(TestBuild.Repo().ShopProject, "Database", "Migrations"), "*.sql").Length;
        Assert.Equal(migrations, await ClusterFixture.QueryAsync<long>(Manifest.Primary!, "SELECT count(*) FROM schema_migrations"));
        Assert.Equal(migrations, await ClusterFixture.QueryAsync<long>(Manifest.Primary!, "SELECT count(DISTINCT version) FROM schema_migrations"));
        foreach (var instance in Manifest.Instances)
        {
            using var client = ClusterFixture.ClientFrom(instance.Url);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        }

        using var nginx = ClusterFixture.ClientFrom(Manifest.Nginx!);
        Assert.Equal(HttpStatusCode.OK, (await nginx.GetAsync("/api/categories")).StatusCode);
        var json = JsonDocument.Parse(await File.ReadAllTextAsync(cluster.Files.Manifest)).RootElement;
        foreach (var field in new[] { "nginx", "instances", "primary", "standbys", "pgbouncer", "budget" })
            Assert.True(json.TryGetProperty(field, out _), $"cluster.json lacks {field}");
    }

    [Fact]
    public async Task Catalog_reads_run_on_the_standby_and_fall_back_to_the_primary_when_it_lags_or_stops()
    {
        var instance = Manifest.Instances[0];
        using var client = ClusterFixture.ClientFrom(instance.Url);
        var standby = Manifest.Standbys[0];

        // Caught up: the reads (no cache in the cluster tests) run on the standby, with the read-only pool's connections there.
        var (standbyBefore, _) = await ReadsAsync(client);
        await BrowseAsync(client, 5);
        var (standbyAfter, _) = await ReadsAsync(client);
        Assert.True(standbyAfter >= standbyBefore + 5, $"standby reads went {standbyBefore} -> {standbyAfter}");
        Assert.True(await ClusterFixture.QueryAsync<long>(standby, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'bulwark-readonly'") > 0);

        // Lagging: replay paused on the standby, then a write on the primary it cannot show.
        await ClusterFixture.QueryAsync<object>(standby, "SELECT pg_wal_replay_pause()");
        try
        {
            await ClusterFixture.QueryAsync<object>(Manifest.Primary!, "CREATE TABLE IF NOT EXISTS lag_probe (at timestamptz); INSERT INTO lag_probe VALUES (now()) RETURNING 1");
            await Task.Delay(TimeSpan.FromSeconds(2.5)); // past Catalog:MaxReplicaLag (1 s) and a check (0.5 s)
            var (_, primaryBefore) = await ReadsAsync(client);
            await BrowseAsync(client, 5);
            var (_, primaryAfter) = await ReadsAsync(client);
            Assert.True(primaryAfter >= primaryBefore + 5, $"with the standby lagging, primary reads went {primaryBefore} -> {primaryAfter}");
        }
        finally
        {
            await ClusterFixture.QueryAsync<object>(standby, "SELECT pg_wal_replay_resume()");
        }

        // Stopped: every read still answers 200, from the primary.
        await LocalPostgresCluster.StopRunningAsync(Manifest.StandbyDirectories[0]);
        try
        {
            var (_, primaryBefore) = await ReadsAsync(client);
            await BrowseAsync(client, 5);
            var (_, primaryAfter) = await ReadsAsync(client);
            Assert.True(primaryAfter >= primaryBefore + 5, $"with the standby stopped, primary reads went {primaryBefore} -> {primaryAfter}");
        }
        finally
        {
            await cluster.RestartStandbyAsync();
        }
    }

    [Fact]
    public async Task The_budget_is_shared_by_the_live_instances_and_reshared_when_one_stops()
    {
        await WaitForClaimsAsync(3);
        var extra = await cluster.Launcher.AddInstanceAsync(ClusterFixture.Request, CancellationToken.None);
        try
        {
            var claims = await WaitForClaimsAsync(4);
            Assert.True(claims.Sum() <= Manifest.Budget, $"claims {string.Join(", ", claims)} exceed the budget {Manifest.Budget}");
        }
        finally
        {
            await cluster.Launcher.RemoveInstanceAsync(extra, CancellationToken.None);
        }

        // A clean stop leaves at once; the others take its share at their next heartbeat (2 s).
        var after = await WaitForClaimsAsync(3);
        Assert.Equal(Manifest.Budget, after.Sum());
    }

    [Fact]
    public async Task A_settings_change_made_through_one_instance_is_applied_on_another_behind_PgBouncer()
    {
        using var first = await cluster.AdminAsync(Manifest.Instances[0].Url);
        using var second = await cluster.AdminAsync(Manifest.Instances[1].Url);
        using var change = await first.PutAsJsonAsync("/api/admin/config", new { settings = new { catalog = new { cacheTtl = "00:00:00" } }, reason = "cluster test" });
        var version = (await change.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();

        var applied = 0;
        // NOTIFY on the direct session reaches the other instance at once; a missed one within the catch-up poll.
        for (var attempt = 0; attempt < 50 && applied != version; attempt++)
        {
            await Task.Delay(200);
            applied = (await second.GetFromJsonAsync<JsonElement>("/api/admin/config")).GetProperty("appliedVersion").GetInt32();
        }

        Assert.Equal(version, applied);
    }

    [Fact]
    public async Task Behind_nginx_the_rate_limit_keys_on_the_real_client_and_a_spoofed_forwarded_address_is_ignored()
    {
        // One client through nginx runs out of its budget (30/s shared by three instances)…
        using var greedy = ClusterFixture.ClientFrom(Manifest.Nginx!, "127.0.0.2");
        var statuses = await Task.WhenAll(Enumerable.Range(0, 120).Select(async _ => (await greedy.GetAsync("/api/categories")).StatusCode));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);

        // …while another, through the same nginx, is served: the shops key on X-Forwarded-For from nginx.
        using var other = ClusterFixture.ClientFrom(Manifest.Nginx!, "127.0.0.3");
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/categories")).StatusCode);

        // Straight to a shop from an untrusted address, a different X-Forwarded-For on every request buys nothing.
        using var spoofer = ClusterFixture.ClientFrom(Manifest.Instances[0].Url, "127.0.0.4");
        var spoofed = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/categories");
            request.Headers.Add("X-Forwarded-For", $"10.9.{i / 250}.{i % 250 + 1}");
            return (await spoofer.SendAsync(request)).StatusCode;
        }));
        Assert.Contains(HttpStatusCode.TooManyRequests, spoofed);
    }

    [Fact]
    public async Task Behind_nginx_the_sign_in_throttle_counts_failures_per_real_client()
    {
        using var guesser = ClusterFixture.ClientFrom(Manifest.Nginx!, "127.0.0.5");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 40 && !statuses.Contains(HttpStatusCode.TooManyRequests); i++)
        {
            using var attempt = await guesser.PostAsJsonAsync("/api/sessions", new { email = $"nobody{i}@bulwark.test", password = "wrong password 123" });
            statuses.Add(attempt.StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        using var neighbour = ClusterFixture.ClientFrom(Manifest.Nginx!, "127.0.0.6");
        using var own = await neighbour.PostAsJsonAsync("/api/sessions", new { email = "someone@bulwark.test", password = "wrong password 123" });
        Assert.Equal(HttpStatusCode.Unauthorized, own.StatusCode);
    }

    /// <summary>
    /// Reads that many category pages. A page shed with 503 (three shops, two servers and the proxies share two cores, and an
    /// instance is cold after each start) is asked again after its Retry-After, as a browser would: where reads go is the
    /// question here, not whether a cold instance sheds.
    /// </summary>
    private static async Task BrowseAsync(HttpClient client, int pages)
    {
        for (var page = 1; page <= pages; page++)
        {
            var path = $"/api/products?category={page}&page={Random.Shared.Next(1, 5)}&pageSize=3";
            var response = await client.GetAsync(path);
            for (var retry = 0; retry < 5 && response.StatusCode == HttpStatusCode.ServiceUnavailable; retry++)
            {
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                response.Dispose();
                await Task.Delay(wait < TimeSpan.FromSeconds(2) ? wait : TimeSpan.FromSeconds(2));
                response = await client.GetAsync(path);
            }

            using (response)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
    }

    private static async Task<(double Standby, double Primary)> ReadsAsync(HttpClient client)
    {
        var samples = PrometheusTextParser.Parse(await client.GetStringAsync("/metrics"));
        return (samples.Sum("bulwark_catalog_reads_total", ("source", "standby")) ?? 0, samples.Sum("bulwark_catalog_reads_total", ("source", "primary")) ?? 0);
    }

    /// <summary>The claims in bulwark_guard_instances once <paramref name="instances"/> are registered and their shares have settled.</summary>
    private async Task<int[]> WaitForClaimsAsync(int instances)
    {
        int[] claims = [];
        var fair = Manifest.Budget / instances;
        for (var attempt = 0; attempt < 60; attempt++)
        {
            claims = await ClaimsAsync();
            if (claims.Length == instances && claims.All(c => c >= fair)) return claims;
            await Task.Delay(500);
        }

        Assert.Fail($"expected {instances} instances sharing {Manifest.Budget}, saw claims [{string.Join(", ", claims)}]");
        return claims;
    }

    private async Task<int[]> ClaimsAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(Manifest.Primary!) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT claim FROM bulwark_guard_instances ORDER BY started_at", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var claims = new List<int>();
        while (await reader.ReadAsync()) claims.Add(reader.GetInt32(0));
        return [.. claims];
    }
}
