using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Guard.Edge;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Shop.Tests.Operations;

/// <summary>Who may see the dashboard and its data: admins, with a bearer token or the dashboard's cookie.</summary>
[Collection(OperationsCollection.Name)]
public sealed class OpsDashboardAccessTests(OperationsFixture shop)
{
    [Fact]
    public async Task An_anonymous_visitor_gets_the_sign_in_page_and_no_data()
    {
        using var client = shop.Client();

        using var page = await client.GetAsync("/ops");
        using var snapshot = await client.GetAsync("/ops/api/snapshot");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("id=\"signin\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("chart-pool", html, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, snapshot.StatusCode);
    }

    [Fact]
    public void The_edge_never_sheds_the_page_its_assets_its_data_or_signing_out_but_sheds_signing_in_which_hashes_a_password()
    {
        var routes = shop.App.Services.GetRequiredService<EdgeRouteTable>();

        Assert.True(routes.Match(HttpMethods.Get, "/ops").Exempt);
        Assert.True(routes.Match(HttpMethods.Get, "/ops/assets/ops.js").Exempt);
        Assert.True(routes.Match(HttpMethods.Get, "/ops/api/snapshot").Exempt);
        Assert.True(routes.Match(HttpMethods.Delete, "/ops/session").Exempt);
        var signIn = routes.Match(HttpMethods.Post, "/ops/session");
        Assert.False(signIn.Exempt);
        Assert.True(signIn.LoginThrottle);
        // The dashboard's orders panel works through the admin API, which needs the database: shed as usual.
        Assert.False(routes.Match(HttpMethods.Get, "/api/admin/orders").Exempt);
    }

    [Fact]
    public async Task A_signed_in_customer_is_refused_the_data()
    {
        var (_, token) = await shop.NewUserAsync();
        using var client = shop.Client(token);

        using var snapshot = await client.GetAsync("/ops/api/snapshot");

        Assert.Equal(HttpStatusCode.Forbidden, snapshot.StatusCode);
    }

    [Fact]
    public async Task An_admin_with_a_bearer_token_reads_the_samples_and_learns_that_alerting_lives_in_Prometheus()
    {
        using var client = shop.Client(await shop.AdminTokenAsync());

        var snapshot = await client.GetFromJsonAsync<JsonElement>("/ops/api/snapshot");

        Assert.True(snapshot.GetProperty("samples").GetArrayLength() > 0);
        // No Operations:PrometheusUrl here: the board says so rather than evaluating rules of its own.
        Assert.Equal("none", snapshot.GetProperty("alerts").GetProperty("source").GetString());
        Assert.Equal(0, snapshot.GetProperty("alerts").GetProperty("rules").GetArrayLength());
        var latest = snapshot.GetProperty("samples").EnumerateArray().Last();
        Assert.True(latest.GetProperty("ready").GetBoolean());
        Assert.True(latest.GetProperty("pool").GetProperty("ceiling").GetDouble() > 0);
    }

    [Fact]
    public async Task Samples_after_a_given_time_are_only_the_newer_ones()
    {
        using var client = shop.Client(await shop.AdminTokenAsync());
        var all = await client.GetFromJsonAsync<JsonElement>("/ops/api/snapshot");
        var last = all.GetProperty("samples").EnumerateArray().Last().GetProperty("at").GetDateTimeOffset();

        var newer = await client.GetFromJsonAsync<JsonElement>($"/ops/api/snapshot?since={last.ToUnixTimeMilliseconds()}");

        Assert.All(newer.GetProperty("samples").EnumerateArray(), sample => Assert.True(sample.GetProperty("at").GetDateTimeOffset() > last));
    }

    [Fact]
    public async Task Wrong_credentials_and_customers_get_no_dashboard_cookie()
    {
        var (email, _) = await shop.NewUserAsync();
        using var client = shop.Client();

        using var wrong = await client.PostAsJsonAsync("/ops/session", new { email = OperationsFixture.AdminEmail, password = "not the password at all" });
        using var customer = await client.PostAsJsonAsync("/ops/session", new { email, password = OperationsFixture.UserPassword });

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, customer.StatusCode);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));
        Assert.False(customer.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task An_admin_signs_in_with_a_strict_same_site_cookie_sees_the_dashboard_and_signs_out()
    {
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies };
        using var browser = new HttpClient(handler) { BaseAddress = shop.BaseAddress };

        using var signIn = await browser.PostAsJsonAsync("/ops/session",
            new { email = OperationsFixture.AdminEmail, password = OperationsFixture.AdminPassword });
        Assert.Equal(HttpStatusCode.NoContent, signIn.StatusCode);
        var setCookie = signIn.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);

        Assert.Contains("id=\"chart-pool\"", await browser.GetStringAsync("/ops"), StringComparison.Ordinal);
        using (var snapshot = await browser.GetAsync("/ops/api/snapshot"))
        {
            Assert.Equal(HttpStatusCode.OK, snapshot.StatusCode);
        }

        (await browser.DeleteAsync("/ops/session")).EnsureSuccessStatusCode();

        using var afterSignOut = await browser.GetAsync("/ops/api/snapshot");
        Assert.Equal(HttpStatusCode.Unauthorized, afterSignOut.StatusCode);
        Assert.Contains("id=\"signin\"", await browser.GetStringAsync("/ops"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_chart_library_is_served_from_the_shop_and_nothing_else_is()
    {
        using var client = shop.Client();

        using var library = await client.GetAsync("/ops/assets/uPlot.iife.min.js");
        using var unknown = await client.GetAsync("/ops/assets/appsettings.json");

        Assert.Equal(HttpStatusCode.OK, library.StatusCode);
        Assert.Equal("text/javascript", library.Content.Headers.ContentType!.MediaType);
        Assert.Contains("uPlot", await library.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
