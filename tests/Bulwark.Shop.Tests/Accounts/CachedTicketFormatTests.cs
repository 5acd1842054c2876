using System.Security.Claims;
using Bulwark.Shop.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Shop.Tests.Accounts;

/// <summary>A bearer token is read once while its ticket lives; forged tokens are never kept; every read gets its own ticket.</summary>
public sealed class CachedTicketFormatTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private readonly CountingFormat _inner;
    private readonly CachedTicketFormat _format;

    public CachedTicketFormatTests()
    {
        _inner = new CountingFormat(_clock);
        _format = new CachedTicketFormat(_inner, _clock);
    }

    [Fact]
    public void A_token_is_read_once_and_each_request_gets_a_ticket_of_its_own()
    {
        var first = _format.Unprotect("token-ada");
        var second = _format.Unprotect("token-ada");

        Assert.Equal(1, _inner.Reads);
        Assert.Equal("ada", first!.Principal.Identity!.Name);
        Assert.Equal("ada", second!.Principal.Identity!.Name);
        Assert.NotSame(first.Principal, second.Principal);
        Assert.NotSame(first.Properties, second.Properties);

        // What one request does to its user is not seen by the next.
        ((ClaimsIdentity)second.Principal.Identity).AddClaim(new Claim("role", "admin"));
        Assert.False(_format.Unprotect("token-ada")!.Principal.HasClaim("role", "admin"));
    }

    [Fact]
    public void Forged_tokens_are_read_every_time_and_never_kept()
    {
        Assert.Null(_format.Unprotect("forged"));
        Assert.Null(_format.Unprotect("forged"));

        Assert.Equal(2, _inner.Reads);
    }

    [Fact]
    public void A_reading_is_not_kept_past_its_tickets_expiry()
    {
        _inner.Lifetime = TimeSpan.FromMinutes(1);
        _format.Unprotect("token-ada");

        _clock.Advance(TimeSpan.FromSeconds(59));
        _format.Unprotect("token-ada");
        Assert.Equal(1, _inner.Reads);

        _clock.Advance(TimeSpan.FromSeconds(2));
        _format.Unprotect("token-ada");
        Assert.Equal(2, _inner.Reads);
    }

    [Fact]
    public void A_long_lived_ticket_is_read_again_after_the_cache_age()
    {
        _inner.Lifetime = TimeSpan.FromDays(1);
        _format.Unprotect("token-ada");

        _clock.Advance(CachedTicketFormat.MaxAge + TimeSpan.FromSeconds(1));
        _format.Unprotect("token-ada");

        Assert.Equal(2, _inner.Reads);
    }

    [Fact]
    public void The_same_token_read_for_another_purpose_is_read_apart()
    {
        _format.Unprotect("token-ada", "one");
        _format.Unprotect("token-ada", "two");
        _format.Unprotect("token-ada", "one");

        Assert.Equal(2, _inner.Reads);
    }

    public void Dispose() => _format.Dispose();

    /// <summary>"token-NAME" reads as a ticket for NAME expiring after Lifetime; anything else as forged.</summary>
    private sealed class CountingFormat(TimeProvider clock) : ISecureDataFormat<AuthenticationTicket>
    {
        public int Reads { get; private set; }

        public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

        public string Protect(AuthenticationTicket data) => throw new NotSupportedException();

        public string Protect(AuthenticationTicket data, string? purpose) => throw new NotSupportedException();

        public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

        public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
        {
            Reads++;
            if (protectedText?.StartsWith("token-", StringComparison.Ordinal) != true)
            {
                return null;
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, protectedText["token-".Length..])], "test");
            var properties = new AuthenticationProperties { ExpiresUtc = clock.GetUtcNow() + Lifetime };
            return new AuthenticationTicket(new ClaimsPrincipal(identity), properties, "test");
        }
    }
}
