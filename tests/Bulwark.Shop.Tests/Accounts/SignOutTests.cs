using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Bulwark.Shop.Accounts;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.Tests.RuntimeSettings;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bulwark.Shop.Tests.Accounts;

/// <summary><c>DELETE /api/sessions/current</c> on two instances sharing one database.</summary>
public sealed class SignOutTests(TwoShopsFixture shops) : IClassFixture<TwoShopsFixture>
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task Signing_out_on_one_instance_makes_the_token_401_on_the_other_within_a_second()
    {
        var email = await SignUpAsync();
        var token = await shops.TokenAsync(shops.First, email, Password);
        var other = await shops.TokenAsync(shops.First, email, Password);
        using var onFirst = Plain(shops.First, token);
        using var onSecond = Plain(shops.Second, token);
        Assert.Equal(HttpStatusCode.OK, (await onSecond.GetAsync("/api/cart")).StatusCode);

        var signOut = await onFirst.DeleteAsync("/api/sessions/current");
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        var clock = Stopwatch.StartNew();
        var refused = await UntilUnauthorizedAsync(onSecond, TimeSpan.FromSeconds(5));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the other instance took {clock.Elapsed.TotalMilliseconds:0} ms");
        await refused.AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await onFirst.GetAsync("/api/cart")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        // Signing out again with the dead token is refused; the user's other session is untouched everywhere.
        await (await onFirst.DeleteAsync("/api/sessions/current")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var otherSession = Plain(shops.Second, other);
        Assert.Equal(HttpStatusCode.OK, (await otherSession.GetAsync("/api/cart")).StatusCode);
    }

    [Fact]
    public async Task A_revocation_whose_notification_was_lost_still_lands_by_the_catch_up()
    {
        var email = await SignUpAsync();
        var token = await shops.TokenAsync(shops.First, email, Password);
        using var onSecond = Plain(shops.Second, token);
        Assert.Equal(HttpStatusCode.OK, (await onSecond.GetAsync("/api/cart")).StatusCode);

        // The row a sign-out writes, without its NOTIFY: only the periodic catch-up (2 s here) can find it.
        await using (var connection = new NpgsqlConnection(shops.ConnectionString))
        {
            await connection.OpenAsync();
            await using var revoke = new NpgsqlCommand(
                "INSERT INTO revoked_sessions (session_id, expires_at) VALUES ($1, now() + interval '1 hour')", connection);
            revoke.Parameters.Add(new NpgsqlParameter { Value = SessionIdOf(token) });
            await revoke.ExecuteNonQueryAsync();
        }

        var clock = Stopwatch.StartNew();
        var refused = await UntilUnauthorizedAsync(onSecond, TimeSpan.FromSeconds(10));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed.TotalMilliseconds:0} ms");
        await refused.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Signing_out_without_a_token_is_401_problem_and_changes_nothing()
    {
        using var anonymous = Plain(shops.First, null);
        var before = await RevokedCountAsync();
        await (await anonymous.DeleteAsync("/api/sessions/current")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var forged = Plain(shops.First, "not-a-token");
        await (await forged.DeleteAsync("/api/sessions/current")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(before, await RevokedCountAsync());
    }

    private static HttpClient Plain(WebApplication app, string? token)
    {
        var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>Asks every 20 ms until the answer is 401 (returned) or <paramref name="limit"/> passes (fails).</summary>
    private static async Task<HttpResponseMessage> UntilUnauthorizedAsync(HttpClient client, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var response = await client.GetAsync("/api/cart");
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                return response;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(clock.Elapsed < limit, $"the token still worked after {limit}");
            await Task.Delay(20);
        }
    }

    private string SessionIdOf(string token) =>
        shops.First.Services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(BearerTokenDefaults.AuthenticationScheme)
            .BearerTokenProtector.Unprotect(token)!.Principal.FindFirstValue(SessionClaims.SessionId)!;

    private async Task<long> RevokedCountAsync()
    {
        await using var connection = new NpgsqlConnection(shops.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM revoked_sessions", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private async Task<string> SignUpAsync()
    {
        var email = $"leaver-{Guid.NewGuid():N}@example.com";
        using var client = shops.Client(shops.First);
        (await client.PostAsJsonAsync("/api/accounts", new { email, password = Password })).EnsureSuccessStatusCode();
        return email;
    }
}
