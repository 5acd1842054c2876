using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.LocalPostgres;
using Bulwark.Shop.Hosting;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.Operations;

/// <summary>
/// The dashboard's alerts come from a real Prometheus: it scrapes the shop, evaluates
/// <c>deploy/prometheus/alerts.yml</c> and the shop shows the states Prometheus reports.
/// </summary>
[Collection(OperationsCollection.Name)]
public sealed class PrometheusAlertsTests(OperationsFixture operations)
{
    private const string AlwaysFiring = "BulwarkTestShopIsReady";

    [Fact]
    public async Task The_dashboard_shows_the_rules_and_firing_alerts_Prometheus_evaluated_and_says_when_it_cannot_reach_it()
    {
        var directory = Directory.CreateTempSubdirectory("bulwark-rules-");
        // A rule that fires as soon as Prometheus has scraped the shop once: it proves the whole path.
        var testRules = Path.Combine(directory.FullName, "test-rules.yml");
        await File.WriteAllTextAsync(testRules, $"""
            groups:
              - name: bulwark-test
                rules:
                  - alert: {AlwaysFiring}
                    expr: bulwark_ready == 1
                    labels:
                      severity: info
                    annotations:
                      summary: The shop under test is ready
                      runbook_url: docs/operations.md#instance-not-ready
            """);
        var prometheusPort = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}/");
        await using var shop = await ShopApplication.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--ConnectionStrings:Shop", operations.Cluster.ConnectionString,
            "--Admin:Email", OperationsFixture.AdminEmail,
            "--Admin:Password", OperationsFixture.AdminPassword,
            "--Operations:PrometheusUrl", prometheusPort.ToString(),
            "--Operations:RefreshInterval", "00:00:01",
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await shop.StartAsync();
        try
        {
            var shopUrl = new Uri(shop.Urls.First());
            using var client = new HttpClient { BaseAddress = shopUrl };
            client.DefaultRequestHeaders.Authorization = new("Bearer", await operations.TokenAsync(OperationsFixture.AdminEmail, OperationsFixture.AdminPassword));

            // Before Prometheus runs, the board names it and says it cannot be read.
            var unreachable = await BoardAsync(client, board => board.GetProperty("error").ValueKind == JsonValueKind.String);
            Assert.Equal("prometheus", unreachable.GetProperty("source").GetString());
            Assert.Equal(prometheusPort.ToString(), unreachable.GetProperty("prometheusUrl").GetString());

            await using var prometheus = PrometheusServer.Start([shopUrl], prometheusPort.Port,
                RepositoryFiles.PathOf("deploy/prometheus/alerts.yml"), testRules);
            var board = await BoardAsync(client, board => Rule(board, AlwaysFiring)?.GetProperty("state").GetString() == "firing");

            Assert.Equal(JsonValueKind.Null, board.GetProperty("error").ValueKind);
            var firing = Rule(board, AlwaysFiring)!.Value;
            Assert.Equal("info", firing.GetProperty("severity").GetString());
            Assert.Equal("docs/operations.md#instance-not-ready", firing.GetProperty("runbookUrl").GetString());
            var alert = Assert.Single(firing.GetProperty("alerts").EnumerateArray());
            Assert.Equal(shopUrl.Authority, alert.GetProperty("instance").GetString());
            // Every rule of the shipped alerts.yml is listed with Prometheus' verdict; an idle shop fires none of them.
            foreach (var name in new[] { "BulwarkPoolUseHigh", "BulwarkConnectionAcquireTimeouts", "BulwarkCheckoutLatencySlo", "BulwarkInstanceNotReady" })
            {
                var rule = Rule(board, name);
                Assert.True(rule is not null, $"{name} is missing from the board");
                Assert.Equal("inactive", rule.Value.GetProperty("state").GetString());
                Assert.Equal("ok", rule.Value.GetProperty("health").GetString());
            }
        }
        finally
        {
            await shop.StopAsync();
            directory.Delete(recursive: true);
        }
    }

    private static JsonElement? Rule(JsonElement board, string name) =>
        board.GetProperty("rules").EnumerateArray().Where(rule => rule.GetProperty("name").GetString() == name).Select(rule => (JsonElement?)rule).FirstOrDefault();

    private static async Task<JsonElement> BoardAsync(HttpClient client, Func<JsonElement, bool> until)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement board;
        do
        {
            await Task.Delay(250);
            board = (await client.GetFromJsonAsync<JsonElement>("/ops/api/snapshot")).GetProperty("alerts");
        }
        while (!until(board) && DateTime.UtcNow < deadline);

        Assert.True(until(board), $"The board never reached the expected state: {board}");
        return board;
    }
}
