using Bulwark.LocalPostgres;
using Bulwark.Shop.Hosting;
using Npgsql;

namespace Bulwark.Shop.Tests.Database;

/// <summary>
/// Issue 12: behind PgBouncer in transaction mode LISTEN and session advisory locks break, so they can
/// have connections of their own (ConnectionStrings:ShopDirect) while requests use the pooled one.
/// </summary>
public sealed class DirectConnectionsTests
{
    [Fact]
    public async Task The_listener_takes_its_session_from_ShopDirect_and_requests_the_shop_connection()
    {
        await using var cluster = await LocalPostgresCluster.StartEphemeralAsync();
        var direct = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { ApplicationName = "shop-direct-test" }.ConnectionString;
        Assert.Equal(["shop-direct-test"], await ListeningAsync(cluster, "--ConnectionStrings:ShopDirect", direct));
    }

    [Fact]
    public async Task The_deprecated_ShopSession_name_still_points_the_listener()
    {
        await using var cluster = await LocalPostgresCluster.StartEphemeralAsync();
        var session = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { ApplicationName = "shop-session-test" }.ConnectionString;
        Assert.Equal(["shop-session-test"], await ListeningAsync(cluster, "--ConnectionStrings:ShopSession", session));
    }

    [Fact]
    public async Task Without_ShopDirect_the_listener_still_has_a_connection_of_its_own_so_a_pool_of_one_serves()
    {
        // Incident 4's bad deploy on the naive shop: a pool of 1. The listener must not hold it.
        await using var cluster = await LocalPostgresCluster.StartEphemeralAsync();
        var poolOfOne = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { MaxPoolSize = 1 }.ConnectionString;
        Assert.Equal(["bulwark-session"], await ListeningAsync(cluster, "--ConnectionStrings:Shop", poolOfOne, "--Guard:Mode", "off"));
    }

    /// <summary>Starts a shop on the cluster, checks it serves, and answers the application names of the connections that LISTEN.</summary>
    private static async Task<string[]> ListeningAsync(LocalPostgresCluster cluster, params string[] settings)
    {
        await using var app = await ShopApplication.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--ConnectionStrings:Shop", cluster.ConnectionString,
            "--Logging:LogLevel:Default", "Warning",
            .. settings,
        ]);
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            await using var observer = new NpgsqlConnection(cluster.ConnectionString);
            await observer.OpenAsync();
            string[] listening = [];
            for (var attempt = 0; attempt < 300 && listening.Length == 0; attempt++)
            {
                await Task.Delay(100);
                await using var query = new NpgsqlCommand(
                    "SELECT application_name FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()", observer);
                await using var reader = await query.ExecuteReaderAsync();
                var names = new List<string>();
                while (await reader.ReadAsync())
                {
                    names.Add(reader.GetString(0));
                }

                listening = [.. names];
            }

            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (!(await http.GetAsync("/health/ready", patience.Token)).IsSuccessStatusCode)
            {
                await Task.Delay(100, patience.Token);
            }

            // Served (a background pass may hold a pool of one for a moment; a listener holding it would fail this for good).
            var answer = "";
            for (var attempt = 0; attempt < 50; attempt++)
            {
                using var categories = await http.GetAsync("/api/categories");
                if (categories.IsSuccessStatusCode)
                {
                    return listening;
                }

                answer = $"{(int)categories.StatusCode} {await categories.Content.ReadAsStringAsync()}";
                await Task.Delay(200);
            }

            Assert.Fail($"The shop did not serve the categories within 10 s: {answer}");
            return listening;
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
