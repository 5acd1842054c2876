using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Bulwark.Shop.Tests.Operations;

[Collection(OperationsCollection.Name)]
public sealed class ReadinessTests(OperationsFixture shop)
{
    [Fact]
    public async Task Readiness_turns_503_while_PostgreSQL_is_down_and_recovers_by_itself_when_it_is_back()
    {
        using var client = shop.Client();
        try
        {
            await shop.Cluster.StopServerAsync();

            await shop.WaitForReadinessAsync(ready: false, TimeSpan.FromSeconds(15));
            using (var notReady = await client.GetAsync("/health/ready"))
            {
                Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            }

            // Liveness is about the process, not its database: restarting the shop would not help.
            (await client.GetAsync("/health/live")).EnsureSuccessStatusCode();
            // The metric an alert watches follows within a readiness period (2 s).
            await Eventually(async () => ScrapeText.Sum(await client.GetStringAsync("/metrics"), "bulwark_ready") == 0, TimeSpan.FromSeconds(10));
        }
        finally
        {
            await shop.Cluster.StartServerAsync();
        }

        await shop.WaitForReadinessAsync(ready: true, TimeSpan.FromSeconds(30));
        await Eventually(async () => ScrapeText.Sum(await client.GetStringAsync("/metrics"), "bulwark_ready") == 1, TimeSpan.FromSeconds(10));

        // Recovered without help; now drop the idle connections that died with the server, so the tests after
        // this one do not each meet one.
        shop.App.Services.GetRequiredService<NpgsqlDataSource>().Clear();
    }

    private static async Task Eventually(Func<Task<bool>> condition, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"The condition did not hold within {patience}.");
            await Task.Delay(200);
        }
    }
}
