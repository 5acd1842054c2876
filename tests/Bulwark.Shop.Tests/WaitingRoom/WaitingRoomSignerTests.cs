using System.Security.Cryptography;
using Bulwark.Shop.WaitingRoom;

namespace Bulwark.Shop.Tests.WaitingRoom;

public sealed class WaitingRoomSignerTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly WaitingRoomSigner _signer = new(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void A_ticket_reads_back_for_its_user_only()
    {
        var token = _signer.Sign(new TicketClaim("sale-7", 42, 1234, At));

        Assert.Equal(new TicketClaim("sale-7", 42, 1234, At), _signer.ReadTicket(token, 42));
        Assert.Null(_signer.ReadTicket(token, 43));
        // Signing is deterministic: the same place gives the same token (joining again answers the same ticket).
        Assert.Equal(token, _signer.Sign(new TicketClaim("sale-7", 42, 1234, At)));
    }

    [Fact]
    public void Changing_any_character_of_a_token_is_refused()
    {
        var token = _signer.Sign(new AdmissionClaim("general", 42, 9, At));
        Assert.NotNull(_signer.ReadAdmission(token, 42));
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
        for (var i = 0; i < token.Length; i++)
        {
            foreach (var replacement in alphabet.Where(c => c != token[i]))
            {
                var tampered = string.Concat(token.AsSpan(0, i), replacement.ToString(), token.AsSpan(i + 1));
                Assert.Null(_signer.ReadAdmission(tampered, 42));
            }
        }

        Assert.Null(_signer.ReadAdmission(token + "A", 42));
        Assert.Null(_signer.ReadAdmission(token[..^1], 42));
    }

    [Fact]
    public void A_token_is_refused_under_another_key_or_as_the_other_kind()
    {
        var ticket = _signer.Sign(new TicketClaim("general", 42, 9, At));
        var admission = _signer.Sign(new AdmissionClaim("general", 42, 9, At));

        Assert.Null(new WaitingRoomSigner(RandomNumberGenerator.GetBytes(32)).ReadTicket(ticket, 42));
        Assert.Null(_signer.ReadAdmission(ticket, 42));
        Assert.Null(_signer.ReadTicket(admission, 42));
        Assert.Null(_signer.ReadTicket("", 42));
        Assert.Null(_signer.ReadTicket("not-a-token", 42));
        Assert.Null(_signer.ReadTicket("%%%.%%%", 42));
    }

    [Fact]
    public void The_edge_accepts_any_users_live_admission_and_nothing_else()
    {
        var admission = _signer.Sign(new AdmissionClaim("sale-7", 42, 9, At));

        Assert.True(_signer.IsLiveAdmission(admission, At.AddMilliseconds(-1)));
        Assert.False(_signer.IsLiveAdmission(admission, At));
        Assert.False(_signer.IsLiveAdmission(_signer.Sign(new TicketClaim("sale-7", 42, 9, At)), At.AddMinutes(-1)));
        Assert.False(_signer.IsLiveAdmission(admission[..^1] + (admission[^1] == 'A' ? 'B' : 'A'), At.AddMinutes(-1)));
        Assert.False(new WaitingRoomSigner(RandomNumberGenerator.GetBytes(32)).IsLiveAdmission(admission, At.AddMinutes(-1)));
        Assert.False(_signer.IsLiveAdmission(null, At.AddMinutes(-1)));
        // Which room it admits to, for the cart's pass: only while live.
        Assert.Equal("sale-7", _signer.LiveAdmissionRoom(admission, At.AddMilliseconds(-1)));
        Assert.Null(_signer.LiveAdmissionRoom(admission, At));
    }

    [Fact]
    public void Configured_keys_must_be_base64_of_at_least_32_bytes()
    {
        Assert.Null(WaitingRoomSigner.KeyError(Convert.ToBase64String(new byte[32])));
        Assert.NotNull(WaitingRoomSigner.KeyError(Convert.ToBase64String(new byte[16])));
        Assert.NotNull(WaitingRoomSigner.KeyError("not base64!"));
    }
}
