namespace Bulwark.Shop.WaitingRoom;

/// <param name="SaleId">The sale to queue for; absent for the general checkout room.</param>
public sealed record JoinRequest(long? SaleId = null);

/// <summary>In line: come back after <paramref name="PollAfterSeconds"/> with <c>GET /api/waiting-room/{ticket}</c>.</summary>
public sealed record WaitingTicket(string Ticket, long Position, int EstimatedWaitSeconds, int PollAfterSeconds);

/// <summary>Let out: check out with header <c>Admission: {admission}</c> before <paramref name="ExpiresAt"/>.</summary>
public sealed record AdmittedTicket(string Ticket, bool Admitted, string Admission, DateTimeOffset ExpiresAt);

/// <summary>The sale's units are gone (or the sale is over): there is nothing left to wait for.</summary>
public sealed record SoldOutTicket(string? Ticket, bool SoldOut);
