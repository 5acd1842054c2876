using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Bulwark.Shop.WaitingRoom;

/// <summary>A place in a room's line, as the client holds it.</summary>
public sealed record TicketClaim(string Room, long UserId, long Sequence, DateTimeOffset IssuedAt);

/// <summary>Leave to check out from a room, as the client holds it until it is spent or expires.</summary>
public sealed record AdmissionClaim(string Room, long UserId, long Sequence, DateTimeOffset ExpiresAt);

/// <summary>
/// Signs tickets and admissions with HMAC-SHA256 so that any instance can check them without the database:
/// <c>base64url(payload).base64url(mac)</c>, the payload naming its kind, room, user and place in line. A
/// token is accepted only if it is exactly the one this key would have written for its payload, so no
/// byte of it can change (not even base64's unused trailing bits) and still pass.
/// </summary>
public sealed class WaitingRoomSigner(byte[] key)
{
    public const int MinKeyBytes = 32;

    private const string TicketKind = "t";
    private const string AdmissionKind = "a";

    /// <summary>Why a configured key cannot be used, or null when it can.</summary>
    public static string? KeyError(string key)
    {
        var bytes = new byte[key.Length];
        return !Convert.TryFromBase64String(key, bytes, out var length)
            ? "WaitingRoom:SigningKey must be base64."
            : length < MinKeyBytes ? $"WaitingRoom:SigningKey must hold at least {MinKeyBytes} bytes (was {length})." : null;
    }

    public string Sign(TicketClaim ticket) =>
        Seal(Join(TicketKind, ticket.Room, ticket.UserId, ticket.Sequence, ticket.IssuedAt.ToUnixTimeMilliseconds()));

    public string Sign(AdmissionClaim admission) =>
        Seal(Join(AdmissionKind, admission.Room, admission.UserId, admission.Sequence, admission.ExpiresAt.ToUnixTimeMilliseconds()));

    /// <summary>The ticket, if the token is one this key signed for <paramref name="userId"/>; null otherwise.</summary>
    public TicketClaim? ReadTicket(string? token, long userId) =>
        Open(token, TicketKind, userId) is { } fields ? new TicketClaim(fields.Room, userId, fields.Sequence, fields.At) : null;

    /// <summary>The admission, if the token is one this key signed for <paramref name="userId"/>; null otherwise (expiry is the caller's to judge).</summary>
    public AdmissionClaim? ReadAdmission(string? token, long userId) =>
        Open(token, AdmissionKind, userId) is { } fields ? new AdmissionClaim(fields.Room, userId, fields.Sequence, fields.At) : null;

    /// <summary>
    /// Whether the token is an admission this key signed, for any user, that has not expired at <paramref name="now"/>:
    /// what the edge can know before authentication (<see cref="AdmissionPass"/>). Whose it is, and whether it was
    /// spent, the checkout still checks.
    /// </summary>
    public bool IsLiveAdmission(string? token, DateTimeOffset now) => LiveAdmissionRoom(token, now) is not null;

    /// <summary>The room of an admission this key signed, for any user, that has not expired at <paramref name="now"/>; else null.</summary>
    public string? LiveAdmissionRoom(string? token, DateTimeOffset now) =>
        Open(token, AdmissionKind, userId: null) is { } fields && fields.At > now ? fields.Room : null;

    private static string Join(string kind, string room, long userId, long sequence, long unixMilliseconds) =>
        string.Join('|', kind, room, userId.ToString(CultureInfo.InvariantCulture), sequence.ToString(CultureInfo.InvariantCulture),
            unixMilliseconds.ToString(CultureInfo.InvariantCulture));

    private string Seal(string payload)
    {
        var bytes = Encoding.UTF8.GetBytes(payload);
        return Base64Url.EncodeToString(bytes) + "." + Base64Url.EncodeToString(HMACSHA256.HashData(key, bytes));
    }

    /// <param name="userId">The user it must be signed for; null accepts any.</param>
    private (string Room, long Sequence, DateTimeOffset At)? Open(string? token, string kind, long? userId)
    {
        // Tokens are short; anything long is not ours and is not worth decoding.
        if (string.IsNullOrEmpty(token) || token.Length > 512 || token.IndexOf('.') is var dot && dot <= 0)
        {
            return null;
        }

        byte[] payload;
        try
        {
            payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
        }
        catch (FormatException)
        {
            return null;
        }

        var expected = Encoding.ASCII.GetBytes(Seal(Encoding.UTF8.GetString(payload)));
        if (expected.Length != token.Length
            || !CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(token)))
        {
            return null;
        }

        var fields = Encoding.UTF8.GetString(payload).Split('|');
        var invariant = CultureInfo.InvariantCulture;
        return fields.Length == 5 && fields[0] == kind
            && long.TryParse(fields[2], NumberStyles.None, invariant, out var owner) && (userId is null || owner == userId)
            && long.TryParse(fields[3], NumberStyles.None, invariant, out var sequence)
            && long.TryParse(fields[4], NumberStyles.None, invariant, out var unixMilliseconds)
            && unixMilliseconds is >= 0 and <= 253_402_300_799_999
            ? (fields[1], sequence, DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds))
            : null;
    }
}
