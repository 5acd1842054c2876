using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Bulwark.Shop.Tests.Infrastructure;

/// <summary>Registering and signing in over the real API, for every test that needs a buyer on any shop instance.</summary>
public static class TestAccounts
{
    public const string Password = "correct horse battery staple";

    /// <summary>Times a setup call is retried after a 503 with Retry-After, as the storefront would.</summary>
    private const int SetupRetries = 5;

    public static async Task RegisterAsync(this HttpClient client, string email, string password = Password) =>
        (await client.PostPatientlyAsync("/api/accounts", new { email, password })).EnsureSuccessStatusCode();

    /// <summary>Signs in and answers the bearer token.</summary>
    public static async Task<string> SignInAsync(this HttpClient client, string email, string password = Password)
    {
        var session = await (await client.PostPatientlyAsync("/api/sessions", new { email, password }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ShopFixture.SessionToken>();
        return session!.AccessToken;
    }

    /// <summary>
    /// Posts, and comes back as told when the shop sheds with 503 + Retry-After. Accounts are a test's setup, not what
    /// it tests: a test machine busy with other suites makes the CPU queue stand over the sign-in target, and the shop
    /// then sheds sign-ins, rightly. Whether an idle shop sheds sign-ups is <c>AccountsApiTests</c>' business.
    /// </summary>
    private static async Task<HttpResponseMessage> PostPatientlyAsync<T>(this HttpClient client, string path, T body)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await client.PostAsJsonAsync(path, body);
            if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || attempt > SetupRetries
                || response.Headers.RetryAfter?.Delta is not { } wait)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(wait);
        }
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
