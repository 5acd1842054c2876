using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;

namespace Bulwark.Shop.Accounts;

/// <summary>
/// Reads each bearer token once, not once per request: unprotecting one (AES, HMAC, deserializing its claims) was 6 % of
/// the shop's CPU at 5× the lab's mix (CPU profile, 2026-12-03), where every cart update and checkout is a signed-in
/// request — also those the gate then refuses. Only tokens that read as valid are kept (a flood of forged tokens cannot
/// fill the cache), at most <see cref="Capacity"/> of them and each until its ticket expires or <see cref="MaxAge"/>,
/// whichever is first. Each read gets its own copy of the ticket, so nothing a request does to its user is seen by the
/// next. Revocation is checked outside, on every request (<see cref="RevocableTicketFormat"/> wraps this).
/// </summary>
public sealed class CachedTicketFormat(ISecureDataFormat<AuthenticationTicket> inner, TimeProvider clock)
    : ISecureDataFormat<AuthenticationTicket>, IDisposable
{
    /// <summary>Tokens kept at most: a few hundred bytes each once read.</summary>
    public const int Capacity = 50_000;

    /// <summary>Longest a token's reading is kept, however long the ticket lives.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(10);

    private readonly MemoryCache _tickets = new(new MemoryCacheOptions { SizeLimit = Capacity });

    public string Protect(AuthenticationTicket data) => inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        if (string.IsNullOrEmpty(protectedText))
        {
            return inner.Unprotect(protectedText, purpose);
        }

        var key = purpose is null ? protectedText : $"{purpose}\n{protectedText}";
        var now = clock.GetUtcNow();
        if (_tickets.TryGetValue(key, out Entry? kept) && kept!.Until > now)
        {
            return Copy(kept.Ticket);
        }

        var ticket = inner.Unprotect(protectedText, purpose);
        if (ticket is null)
        {
            return null;
        }

        var until = now + MaxAge;
        if (ticket.Properties.ExpiresUtc is { } expires && expires < until)
        {
            until = expires;
        }

        if (until > now)
        {
            // The cache's own expiry (its system clock) only frees the memory; Until decides, on this clock.
            _tickets.Set(key, new Entry(Copy(ticket), until), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = until - now });
        }

        return ticket;
    }

    // ClaimsPrincipal.Clone shares its identities: copy each, so a claim added to one request's user stays there.
    private static AuthenticationTicket Copy(AuthenticationTicket ticket) =>
        new(new ClaimsPrincipal(ticket.Principal.Identities.Select(identity => identity.Clone())), ticket.Properties.Clone(), ticket.AuthenticationScheme);

    private sealed record Entry(AuthenticationTicket Ticket, DateTimeOffset Until);

    public void Dispose() => _tickets.Dispose();
}
