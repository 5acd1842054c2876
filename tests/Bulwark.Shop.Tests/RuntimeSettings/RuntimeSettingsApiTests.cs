using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Guard.Gate;
using Bulwark.Shop.RuntimeSettings;
using Bulwark.Shop.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Shop.Tests.RuntimeSettings;

public sealed class RuntimeSettingsApiTests(TwoShopsFixture shops) : IClassFixture<TwoShopsFixture>
{
    [Fact]
    public async Task A_change_is_applied_on_both_instances_without_restart_and_rolled_back_with_one_call()
    {
        using var admin = shops.Client(shops.First, await shops.AdminTokenAsync(shops.First));
        var before = await admin.GetFromJsonAsync<JsonElement>("/api/admin/config");
        var baseVersion = before.GetProperty("version").GetInt32();

        var put = await admin.PutAsJsonAsync("/api/admin/config", new { settings = new { guard = new { ceiling = 20, algorithm = "gradient2" } }, reason = "more headroom for the sale" });
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        var changed = await put.Content.ReadFromJsonAsync<JsonElement>();
        var version = changed.GetProperty("version").GetInt32();
        Assert.Equal(baseVersion + 1, version);
        Assert.Equal(20, changed.GetProperty("settings").GetProperty("guard").GetProperty("ceiling").GetInt32());
        // What was not sent keeps its value.
        Assert.Equal(before.GetProperty("settings").GetProperty("guard").GetProperty("floor").GetInt32(),
            changed.GetProperty("settings").GetProperty("guard").GetProperty("floor").GetInt32());
        Assert.Contains(changed.GetProperty("diff").EnumerateArray(), change => change.GetProperty("path").GetString() == "guard.ceiling");
        Assert.Equal(TwoShopsFixture.AdminEmail, changed.GetProperty("changedBy").GetString());

        var secondGate = shops.Second.Services.GetRequiredService<IGateControl>();
        await WaitUntilAsync(() => secondGate.Settings.Ceiling == 20 && secondGate.Settings.Algorithm == "gradient2");

        var rollback = await admin.PostAsJsonAsync("/api/admin/config/rollback", new { version = baseVersion });
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        var restored = await rollback.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(version + 1, restored.GetProperty("version").GetInt32());
        Assert.Equal(baseVersion, restored.GetProperty("rollbackOf").GetInt32());
        await WaitUntilAsync(() => secondGate.Settings.Ceiling == before.GetProperty("settings").GetProperty("guard").GetProperty("ceiling").Deserialize<int?>());

        using var secondAdmin = shops.Client(shops.Second, await shops.AdminTokenAsync(shops.Second));
        var seenBySecond = await secondAdmin.GetFromJsonAsync<JsonElement>("/api/admin/config");
        Assert.Equal(version + 1, seenBySecond.GetProperty("appliedVersion").GetInt32());
        var history = await secondAdmin.GetFromJsonAsync<JsonElement>("/api/admin/config/history");
        var reasons = history.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("reason").GetString()).ToList();
        Assert.Contains("more headroom for the sale", reasons);
        Assert.Contains($"rollback to version {baseVersion}", reasons);
    }

    [Theory]
    [InlineData("{\"guard\": {\"floor\": 30, \"ceiling\": 10}}", HttpStatusCode.BadRequest, "floor")]
    [InlineData("{\"guard\": {\"ceiling\": 100000}}", HttpStatusCode.UnprocessableEntity, "server's budget")]
    [InlineData("{\"guard\": {\"deadlines\": {\"critical\": \"00:00:00\"}}}", HttpStatusCode.BadRequest, "deadline")]
    [InlineData("{\"guard\": {\"deadlines\": {\"normal\": \"00:10:00\"}}}", HttpStatusCode.BadRequest, "deadline")]
    [InlineData("{\"guard\": {\"queueDelayTargets\": {\"sheddable\": \"00:00:05\"}}}", HttpStatusCode.BadRequest, "queue delay target")]
    [InlineData("{\"guard\": {\"algorithm\": \"magic\"}}", HttpStatusCode.BadRequest, "algorithm")]
    [InlineData("{\"guard\": {\"floor\": \"two\"}}", HttpStatusCode.BadRequest, "settings")]
    [InlineData("{\"guard\": {\"poolSize\": 5}}", HttpStatusCode.BadRequest, "poolSize")]
    [InlineData("{\"catalog\": {\"cacheTtl\": \"-00:00:01\"}}", HttpStatusCode.BadRequest, "cacheTtl")]
    public async Task Nonsense_settings_are_refused_with_problem_details_and_nothing_changes(string settingsJson, HttpStatusCode status, string mention)
    {
        using var admin = shops.Client(shops.First, await shops.AdminTokenAsync(shops.First));
        var before = await admin.GetFromJsonAsync<JsonElement>("/api/admin/config");
        var body = $"{{\"settings\": {settingsJson}, \"reason\": \"test\"}}";
        var response = await admin.PutAsync("/api/admin/config", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(status, mention);
        var after = await admin.GetFromJsonAsync<JsonElement>("/api/admin/config");
        Assert.Equal(before.GetProperty("version").GetInt32(), after.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task A_ceiling_below_the_peak_of_the_last_15_minutes_is_refused_as_incident_4()
    {
        using var admin = shops.Client(shops.First, await shops.AdminTokenAsync(shops.First));
        shops.First.Services.GetRequiredService<ConnectionPeakTracker>().Record(12);
        var response = await admin.PutAsJsonAsync("/api/admin/config", new { settings = new { guard = new { floor = 2, ceiling = 4 } }, reason = "shrink the pool" });
        var problem = await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "below the 12 connections", "incident 4");
        Assert.Equal(JsonValueKind.Array, problem.GetProperty("refusals").ValueKind);
    }

    [Fact]
    public async Task Missing_reason_and_unknown_rollback_version_are_refused()
    {
        using var admin = shops.Client(shops.First, await shops.AdminTokenAsync(shops.First));
        await (await admin.PutAsJsonAsync("/api/admin/config", new { settings = new { guard = new { ceiling = 20 } }, reason = " " }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "reason");
        await (await admin.PostAsJsonAsync("/api/admin/config/rollback", new { version = 999 })).AssertProblemAsync(HttpStatusCode.NotFound, "999");
    }

    [Fact]
    public async Task Admin_endpoints_refuse_anonymous_and_non_admin_callers()
    {
        using var anonymous = shops.Client(shops.First);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/config")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PutAsJsonAsync("/api/admin/config", new { settings = new { }, reason = "x" })).StatusCode);

        var email = $"shopper-{Guid.NewGuid():N}@example.com";
        (await anonymous.PostAsJsonAsync("/api/accounts", new { email, password = "an ordinary passphrase" })).EnsureSuccessStatusCode();
        using var shopper = shops.Client(shops.First, await shops.TokenAsync(shops.First, email, "an ordinary passphrase"));
        Assert.Equal(HttpStatusCode.Forbidden, (await shopper.GetAsync("/api/admin/config")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await shopper.GetAsync("/api/admin/config/history")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await shopper.PostAsJsonAsync("/api/admin/config/rollback", new { version = 1 })).StatusCode);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var attempt = 0; attempt < 100 && !condition(); attempt++)
        {
            await Task.Delay(100);
        }

        Assert.True(condition(), "The other instance did not apply the change within 10 s.");
    }
}
