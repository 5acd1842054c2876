using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.Tests.RuntimeSettings;

namespace Bulwark.Shop.Tests.Accounts;

/// <summary>
/// The sign-in throttle with its shipped defaults (20 failures per address, 5 per account, refilling per
/// minute): a shop on its own database, each test from a loopback address of its own.
/// </summary>
[Collection(PasswordHeavyCollection.Name)]
public sealed class SignInThrottleTests(TwoShopsFixture shops) : IClassFixture<TwoShopsFixture>
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task Fifty_shoppers_behind_one_address_all_sign_in_within_a_minute()
    {
        var emails = Enumerable.Range(0, 50).Select(i => $"office{i}-{Guid.NewGuid():N}@example.com").ToList();
        await SignUpAsync(emails);
        // 503 + Retry-After (the hashing bulkhead shedding on a busy machine) is retried as a browser would;
        // a 429 from the throttle is not, and fails the test.
        using var office = SourceAddress.Client(Base, IPAddress.Parse("127.0.0.2"), retryShedding: true);

        var clock = Stopwatch.StartNew();
        var statuses = new List<HttpStatusCode>();
        // Waves of five at once: a crowd, within what the password-hashing bulkhead serves in its deadline.
        foreach (var wave in emails.Chunk(5))
        {
            statuses.AddRange(await Task.WhenAll(wave.Select(async email =>
            {
                using var response = await office.PostAsJsonAsync("/api/sessions", new { email, password = Password });
                return response.StatusCode;
            })));
        }

        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"took {clock.Elapsed}");
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 50), statuses);
    }

    [Fact]
    public async Task Thirty_wrong_passwords_for_one_account_are_refused_with_429_after_five()
    {
        var email = $"victim-{Guid.NewGuid():N}@example.com";
        await SignUpAsync([email]);
        // Guesses from several addresses: the account's budget does not care where they come from.
        var attackers = Enumerable.Range(3, 3).Select(i => SourceAddress.Client(Base, IPAddress.Parse($"127.0.0.{i}"))).ToList();
        var (statuses, lastRefusal, elapsed) = await GuessAsync(Enumerable.Range(0, 30)
            .Select(attempt => (attackers[attempt % attackers.Count], email, $"guess number {attempt:D4}")));

        // 5 failures, then refusals; the budget refills one failure every 12 s.
        AssertRefusedBeyond(5, TimeSpan.FromSeconds(12), elapsed, statuses);
        Assert.NotNull(lastRefusal);
        await lastRefusal.AssertProblemAsync(HttpStatusCode.TooManyRequests, "sign-in");
        Assert.True(lastRefusal.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        // The owner's right password waits too: the refusal comes before hashing, so nothing is verified.
        using var owner = SourceAddress.Client(Base, IPAddress.Parse("127.0.0.6"));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await owner.PostAsJsonAsync("/api/sessions", new { email, password = Password })).StatusCode);
        attackers.ForEach(client => client.Dispose());
    }

    [Fact]
    public async Task Thirty_wrong_passwords_across_accounts_from_one_address_are_refused_with_429_after_twenty()
    {
        var emails = Enumerable.Range(0, 30).Select(i => $"sprayed{i}-{Guid.NewGuid():N}@example.com").ToList();
        await SignUpAsync(emails.Take(2));
        using var attacker = SourceAddress.Client(Base, IPAddress.Parse("127.0.0.7"));
        // One guess per account (most do not even exist): the per-account budget never runs out.
        var (statuses, lastRefusal, elapsed) = await GuessAsync(emails.Select(email => (attacker, email, "Summer2026!Summer")));

        // 20 failures, then refusals; the address's budget refills one failure every 3 s.
        AssertRefusedBeyond(20, TimeSpan.FromSeconds(3), elapsed, statuses);
        Assert.NotNull(lastRefusal);
        await lastRefusal.AssertProblemAsync(HttpStatusCode.TooManyRequests, "sign-in");
        Assert.True(lastRefusal.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        // The right password from that address is refused too (at the edge, before the body is read) …
        Assert.Equal(HttpStatusCode.TooManyRequests, (await attacker.PostAsJsonAsync("/api/sessions", new { email = emails[0], password = Password })).StatusCode);
        // … while the same account signs in from anywhere else.
        using var elsewhere = SourceAddress.Client(Base, IPAddress.Parse("127.0.0.8"));
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.PostAsJsonAsync("/api/sessions", new { email = emails[0], password = Password })).StatusCode);
    }

    /// <summary>Sends the sign-ins one after another; answers every status, the last 429 and how long it all took.</summary>
    private static async Task<(List<HttpStatusCode> Statuses, HttpResponseMessage? LastRefusal, TimeSpan Elapsed)> GuessAsync(
        IEnumerable<(HttpClient Client, string Email, string Password)> guesses)
    {
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? lastRefusal = null;
        var clock = Stopwatch.StartNew();
        foreach (var (client, email, password) in guesses)
        {
            var response = await client.PostAsJsonAsync("/api/sessions", new { email, password });
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                lastRefusal = response;
            }
        }

        return (statuses, lastRefusal, clock.Elapsed);
    }

    /// <summary>The first <paramref name="burst"/> answers are 401; after them only what the refill allows in <paramref name="elapsed"/> is not 429.</summary>
    private static void AssertRefusedBeyond(int burst, TimeSpan refill, TimeSpan elapsed, List<HttpStatusCode> statuses)
    {
        var seen = string.Join(",", statuses.Select(s => (int)s));
        Assert.True(statuses.Take(burst).All(s => s == HttpStatusCode.Unauthorized), seen);
        var refilled = (int)(elapsed / refill) + 1;
        Assert.True(statuses.Count(s => s == HttpStatusCode.Unauthorized) <= burst + refilled, $"{seen} in {elapsed}");
        Assert.True(statuses.Count(s => s == HttpStatusCode.TooManyRequests) >= statuses.Count - burst - refilled, $"{seen} in {elapsed}");
        Assert.All(statuses, s => Assert.Contains(s, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests }));
    }

    private Uri Base => new(shops.First.Urls.First());

    private async Task SignUpAsync(IEnumerable<string> emails)
    {
        using var client = shops.Client(shops.First);
        foreach (var batch in emails.Chunk(4))
        {
            await Task.WhenAll(batch.Select(async email =>
                (await client.PostAsJsonAsync("/api/accounts", new { email, password = Password })).EnsureSuccessStatusCode()));
        }
    }
}
