using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace Bulwark.Shop.Accounts;

/// <summary>
/// The bearer tokens' format with sign-out: a token whose session was revoked reads as no token at all,
/// so the request is anonymous and an endpoint that needs a user answers 401. The check is one lookup in
/// <see cref="SessionRevocations"/>' in-memory set; no database is asked per request.
/// </summary>
public sealed class RevocableTicketFormat(ISecureDataFormat<AuthenticationTicket> inner, SessionRevocations revocations)
    : ISecureDataFormat<AuthenticationTicket>
{
    public string Protect(AuthenticationTicket data) => inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Unrevoked(inner.Unprotect(protectedText));

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose) => Unrevoked(inner.Unprotect(protectedText, purpose));

    private AuthenticationTicket? Unrevoked(AuthenticationTicket? ticket) =>
        ticket?.Principal.FindFirstValue(SessionClaims.SessionId) is { } sessionId && revocations.IsRevoked(sessionId) ? null : ticket;
}

/// <summary>The claim that names one sign-in, so that sign-out can revoke exactly that token.</summary>
public static class SessionClaims
{
    public const string SessionId = "sid";

    /// <summary>128 random bits.</summary>
    public static string NewSessionId() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}
