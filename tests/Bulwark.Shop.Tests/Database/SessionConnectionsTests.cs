using Bulwark.LocalPostgres;
using Bulwark.Shop.Hosting;
using Npgsql;

namespace Bulwark.Shop.Tests.Database;

/// <summary>
/// Issue 12: behind PgBouncer in transaction mode LISTEN and session advisory locks break, so they can
/// have connections of their own (ConnectionStrings:ShopSession) while requests use the pooled one.
/// </summary>
public sealed class SessionConnectionsTests
{
    [Fact]
    public async Task The_listener_takes_its_session_from_ShopSession_and_requests_the_shop_connection()
    {
        await using var cluster = await LocalPostgresCluster.StartEphemeralAsync();
        var session = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { ApplicationName = "shop-session-test" }.ConnectionString;
        await using var app = await ShopApplication.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--ConnectionStrings:Shop", cluster.ConnectionString,
            "--ConnectionStrings:ShopSession", session,
            "--Logging:LogLevel:Default", "Warning",
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

            Assert.Equal(["shop-session-test"], listening);
            Assert.True((await http.GetAsync("/health/ready")).IsSuccessStatusCode);
            Assert.True((await http.GetAsync("/api/categories")).IsSuccessStatusCode);
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
