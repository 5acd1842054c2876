using System.Net;
using System.Net.Http.Json;
using System.Text;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests;

[Collection(ShopCollection.Name)]
public sealed class AccountsApiTests(ShopFixture shop)
{
    private const string Password = "a long enough passphrase";

    [Fact]
    public async Task Account_is_created_and_signs_in_with_a_bearer_token()
    {
        using var client = shop.Client();
        var email = $"ann-{Guid.NewGuid():N}@example.com";
        var created = await client.PostAsJsonAsync("/api/accounts", new { email, password = Password });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var session = await client.PostAsJsonAsync("/api/sessions", new { email = "  " + email.ToUpperInvariant() + " ", password = Password });
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        var token = await session.Content.ReadFromJsonAsync<ShopFixture.SessionToken>();
        Assert.False(string.IsNullOrEmpty(token!.AccessToken));
        Assert.True(token.ExpiresIn > 0);

        using var signedIn = shop.Client(token.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await signedIn.GetAsync("/api/cart")).StatusCode);
    }

    [Fact]
    public async Task Sixteen_people_signing_up_at_once_on_an_idle_shop_are_all_served()
    {
        // A plain client: a 503 here is the failure under test, not something to retry.
        using var client = new HttpClient { BaseAddress = shop.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            using var response = await client.PostAsJsonAsync("/api/accounts", new { email = $"crowd-{Guid.NewGuid():N}@example.com", password = Password });
            var body = await response.Content.ReadAsStringAsync();
            return $"{(int)response.StatusCode} {body[Math.Max(0, body.Length - 160)..]}";
        }));

        Assert.All(answers, answer => Assert.StartsWith("201", answer, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Passwords_are_stored_hashed()
    {
        using var client = shop.Client();
        var email = $"hash-{Guid.NewGuid():N}@example.com";
        (await client.PostAsJsonAsync("/api/accounts", new { email, password = Password })).EnsureSuccessStatusCode();
        var stored = await shop.ScalarAsync<string>("SELECT password_hash FROM users WHERE normalized_email = $1", email);
        Assert.DoesNotContain(Password, stored, StringComparison.Ordinal);
        Assert.True(stored.Length > 60);
    }

    [Fact]
    public async Task Same_email_in_other_case_is_409()
    {
        using var client = shop.Client();
        var email = $"bob-{Guid.NewGuid():N}@example.com";
        (await client.PostAsJsonAsync("/api/accounts", new { email, password = Password })).EnsureSuccessStatusCode();
        var again = await client.PostAsJsonAsync("/api/accounts", new { email = email.ToUpperInvariant(), password = Password });
        await again.AssertProblemAsync(HttpStatusCode.Conflict, "already exists");
    }

    [Theory]
    [InlineData("not-an-email", Password, "email")]
    [InlineData("Ann <ann@example.com>", Password, "email")]
    [InlineData("", Password, "email")]
    [InlineData("weak@example.com", "short", "password")]
    [InlineData("weak@example.com", "aaaaaaaaaaaaaaaa", "password")]
    public async Task Invalid_email_or_weak_password_is_400_and_creates_nothing(string email, string password, string field)
    {
        using var client = shop.Client();
        var before = await shop.DatabaseFingerprintAsync();
        var response = await client.PostAsJsonAsync("/api/accounts", new { email, password });
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
        Assert.Equal(before, await shop.DatabaseFingerprintAsync());
    }

    [Theory]
    [InlineData("{\"email\": \"x@example.com\"")]
    [InlineData("{\"email\": 5, \"password\": \"a long enough passphrase\"}")]
    [InlineData("{\"password\": \"a long enough passphrase\"}")]
    [InlineData("[]")]
    [InlineData("")]
    public async Task Malformed_account_bodies_are_400_problems(string json)
    {
        using var client = shop.Client();
        var before = await shop.DatabaseFingerprintAsync();
        var response = await client.PostAsync("/api/accounts", new StringContent(json, Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(before, await shop.DatabaseFingerprintAsync());
    }

    [Fact]
    public async Task Wrong_password_and_unknown_email_are_the_same_401()
    {
        using var client = shop.Client();
        var email = $"carol-{Guid.NewGuid():N}@example.com";
        (await client.PostAsJsonAsync("/api/accounts", new { email, password = Password })).EnsureSuccessStatusCode();

        var wrong = await client.PostAsJsonAsync("/api/sessions", new { email, password = "not the password at all" });
        var unknown = await client.PostAsJsonAsync("/api/sessions", new { email = "nobody-" + email, password = Password });
        var wrongProblem = await wrong.AssertProblemAsync(HttpStatusCode.Unauthorized, "not correct");
        var unknownProblem = await unknown.AssertProblemAsync(HttpStatusCode.Unauthorized, "not correct");
        Assert.Equal(wrongProblem.GetProperty("detail").GetString(), unknownProblem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Cart_without_or_with_a_forged_token_is_401()
    {
        using var anonymous = shop.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/cart")).StatusCode);
        using var forged = shop.Client("forged-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/api/cart")).StatusCode);
    }

    [Fact]
    public async Task Password_guessing_on_one_account_is_throttled_with_429_and_retry_after()
    {
        using var client = shop.Client();
        var email = $"target-{Guid.NewGuid():N}@example.com";
        (await client.PostAsJsonAsync("/api/accounts", new { email, password = Password })).EnsureSuccessStatusCode();

        HttpResponseMessage? refused = null;
        for (var attempt = 0; attempt < 20 && refused is null; attempt++)
        {
            var response = await client.PostAsJsonAsync("/api/sessions", new { email, password = $"guess number {attempt:D4}" });
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            }
        }

        Assert.NotNull(refused);
        await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests, "sign-in");
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        // Even the right password waits: the throttle is per account, whoever asks.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.PostAsJsonAsync("/api/sessions", new { email, password = Password })).StatusCode);
    }
}
