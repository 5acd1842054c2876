using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Guard.Gate;
using Bulwark.LocalPostgres;
using Bulwark.Shop.Hosting;
using Bulwark.Shop.RuntimeSettings;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.Tests.Operations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Bulwark.Shop.Tests.RuntimeSettings;

/// <summary>
/// Issue 10, item 7: the configuration a deploy ships is the desired state. Each test has its own cluster,
/// because each is about the settings history from the first deploy on.
/// </summary>
public sealed class DeployedSettingsTests : IAsyncLifetime
{
    private const string AdminEmail = "deployer@example.com";
    private const string AdminPassword = "a very long deployer passphrase";

    private readonly List<WebApplication> _running = [];
    private LocalPostgresCluster? _cluster;

    public async Task InitializeAsync() => _cluster = await LocalPostgresCluster.StartEphemeralAsync();

    public async Task DisposeAsync()
    {
        foreach (var app in _running.ToList())
        {
            await StopAsync(app);
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_deploy_applies_the_keys_it_changes_as_a_version_by_deploy_and_keeps_what_operators_set_for_the_others()
    {
        var first = await StartAsync("--Guard:Ceiling", "20");
        using (var admin = await AdminClientAsync(first))
        {
            var initial = await admin.GetFromJsonAsync<JsonElement>("/api/admin/config");
            Assert.Equal(1, initial.GetProperty("version").GetInt32());
            Assert.Equal(DeployedSettings.ChangedBy, initial.GetProperty("changedBy").GetString());
            Assert.Equal("applied", initial.GetProperty("deploy").GetProperty("state").GetString());

            var put = await admin.PutAsJsonAsync("/api/admin/config", new { settings = new { guard = new { floor = 3 } }, reason = "operator override" });
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        await StopAsync(first);

        // The next deploy raises the ceiling and ships floor 2 as before: the operator's floor stays.
        var second = await StartAsync("--Guard:Ceiling", "24");
        using (var admin = await AdminClientAsync(second))
        {
            var deployed = await admin.GetFromJsonAsync<JsonElement>("/api/admin/config");
            Assert.Equal(3, deployed.GetProperty("version").GetInt32());
            Assert.Equal(DeployedSettings.ChangedBy, deployed.GetProperty("changedBy").GetString());
            Assert.Contains("guard.ceiling 20 → 24", deployed.GetProperty("reason").GetString());
            Assert.Equal(["guard.ceiling"], deployed.GetProperty("diff").EnumerateArray().Select(change => change.GetProperty("path").GetString()));
            var guard = deployed.GetProperty("settings").GetProperty("guard");
            Assert.Equal(24, guard.GetProperty("ceiling").GetInt32());
            Assert.Equal(3, guard.GetProperty("floor").GetInt32());
            Assert.Equal("applied", deployed.GetProperty("deploy").GetProperty("state").GetString());
            Assert.Equal(24, second.Services.GetRequiredService<IGateControl>().Settings.Ceiling);
        }

        await StopAsync(second);

        // Restarted with the same configuration: nothing new, nothing undone.
        var third = await StartAsync("--Guard:Ceiling", "24");
        using (var admin = await AdminClientAsync(third))
        {
            var unchanged = await admin.GetFromJsonAsync<JsonElement>("/api/admin/config");
            Assert.Equal(3, unchanged.GetProperty("version").GetInt32());
            Assert.Equal("unchanged", unchanged.GetProperty("deploy").GetProperty("state").GetString());
        }
    }

    [Fact]
    public async Task A_rolling_restart_with_a_pool_below_the_measured_peak_is_refused_and_the_instance_serves_on_the_last_good_version()
    {
        var running = await StartAsync("--Guard:Ceiling", "20");
        // The running instance carried 12 connections at once; it shares its peaks through the database.
        running.Services.GetRequiredService<ConnectionPeakTracker>().Record(12);
        await WaitForSharedPeakAsync(12);

        // Incident 4: the next instance of the rolling restart ships a pool of 4.
        var restarted = await StartAsync(captureLogs: true, "--Guard:Ceiling", "4", "--Guard:Floor", "1");

        using var admin = await AdminClientAsync(restarted);
        var config = await admin.GetFromJsonAsync<JsonElement>("/api/admin/config");
        Assert.Equal(1, config.GetProperty("version").GetInt32());
        var deploy = config.GetProperty("deploy");
        Assert.Equal(DeployStatus.Refused, deploy.GetProperty("state").GetString());
        var problem = Assert.Single(deploy.GetProperty("problems").EnumerateArray()).GetString()!;
        Assert.StartsWith("guard.ceiling:", problem);
        Assert.Contains("below the 12 connections", problem);
        Assert.Equal(20, restarted.Services.GetRequiredService<IGateControl>().Settings.Ceiling);
        Assert.Equal(2, restarted.Services.GetRequiredService<IGateControl>().Settings.Floor);

        var error = Assert.Single(restarted.Services.GetFakeLogCollector().GetSnapshot(), record => record.Level == LogLevel.Error && record.Category == typeof(DeployedSettings).FullName);
        Assert.Contains("guard.ceiling 20 → 4", error.Message);
        Assert.Contains("guard.floor 2 → 1", error.Message);
        Assert.Contains("below the 12 connections", error.Message);

        // Ready, serving, and saying so where the alert reads it; the instance that took no deploy does not.
        using var anonymous = Client(restarted);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/products?page=1&pageSize=5")).StatusCode);
        Assert.Equal(1, await RefusedGaugeAsync(restarted));
        Assert.Equal(0, await RefusedGaugeAsync(running));
    }

    private async Task WaitForSharedPeakAsync(int peak)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_cluster!.ConnectionString);
        await connection.OpenAsync();
        for (var attempt = 0; attempt < 150; attempt++)
        {
            await using var command = new Npgsql.NpgsqlCommand("SELECT coalesce(max(peak), 0) FROM connection_peaks", connection);
            if ((int)(await command.ExecuteScalarAsync())! >= peak)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"No instance shared a peak of {peak} connections within 15 s.");
    }

    private static async Task<double> RefusedGaugeAsync(WebApplication app)
    {
        using var client = Client(app);
        return ScrapeText.Sum(await client.GetStringAsync("/metrics"), "bulwark_settings_deploy_refused")
            ?? throw new Xunit.Sdk.XunitException("bulwark_settings_deploy_refused is not published");
    }

    private Task<WebApplication> StartAsync(params string[] settings) => StartAsync(captureLogs: false, settings);

    private async Task<WebApplication> StartAsync(bool captureLogs, params string[] settings)
    {
        var app = await ShopApplication.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--ConnectionStrings:Shop", _cluster!.ConnectionString,
            "--Admin:Email", AdminEmail,
            "--Admin:Password", AdminPassword,
            "--Logging:LogLevel:Default", "Warning",
            .. settings,
        ], builder =>
        {
            if (captureLogs)
            {
                builder.Logging.AddFakeLogging(options => options.CollectRecordsForDisabledLogLevels = false);
            }
        });
        await app.StartAsync();
        _running.Add(app);
        using var client = Client(app);
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await client.GetAsync("/health/ready", patience.Token)).StatusCode != HttpStatusCode.OK)
        {
            await Task.Delay(100, patience.Token);
        }

        return app;
    }

    private async Task StopAsync(WebApplication app)
    {
        if (_running.Remove(app))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static HttpClient Client(WebApplication app) =>
        new(new RetryAfterHandler()) { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };

    private static async Task<HttpClient> AdminClientAsync(WebApplication app)
    {
        var client = Client(app);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await client.SignInAsync(AdminEmail, AdminPassword));
        return client;
    }
}
