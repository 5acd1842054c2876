using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Bulwark.Shop.Tests.Infrastructure;

/// <summary>Registering and signing in over the real API, for every test that needs a buyer on any shop instance.</summary>
public static class TestAccounts
{
    public const string Password = "correct horse battery staple";

    public static async Task RegisterAsync(this HttpClient client, string email, string password = Password) =>
        (await client.PostAsJsonAsync("/api/accounts", new { email, password })).EnsureSuccessStatusCode();

    /// <summary>Signs in and answers the bearer token.</summary>
    public static async Task<string> SignInAsync(this HttpClient client, string email, string password = Password)
    {
        var session = await (await client.PostAsJsonAsync("/api/sessions", new { email, password }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ShopFixture.SessionToken>();
        return session!.AccessToken;
    }

    /// <summary>Registers a fresh account, signs it in, and makes <paramref name="client"/> send its token from now on.</summary>
    public static async Task<HttpClient> SignInNewAccountAsync(this HttpClient client, string? email = null)
    {
        email ??= $"buyer-{Guid.NewGuid():N}@example.com";
        await client.RegisterAsync(email);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await client.SignInAsync(email));
        return client;
    }
}
