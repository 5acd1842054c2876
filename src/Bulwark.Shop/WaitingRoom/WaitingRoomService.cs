namespace Bulwark.Shop.WaitingRoom;

/// <summary>The outcome of joining or polling.</summary>
public abstract record RoomAnswer
{
    public sealed record InLine(WaitingTicket Ticket) : RoomAnswer;

    public sealed record Admitted(AdmittedTicket Ticket) : RoomAnswer;

    public sealed record SoldOut(SoldOutTicket Ticket) : RoomAnswer;

    public sealed record NoSuchSale(long SaleId) : RoomAnswer;

    /// <summary>The ticket is not this user's, was tampered with, or is too old: join again.</summary>
    public sealed record UnknownTicket : RoomAnswer;

    /// <summary>Admitted, but the admission was not used in time: join again for a new place.</summary>
    public sealed record AdmissionExpired : RoomAnswer;
}

/// <summary>Joining (one statement) and polling (memory only).</summary>
public sealed class WaitingRoomService(WaitingRooms rooms, WaitingRoomStore store, ISaleQueueSource sales,
    WaitingRoomSigner signer, TimeProvider clock)
{
    public async Task<RoomAnswer> JoinAsync(long userId, long? saleId, CancellationToken cancellationToken)
    {
        var room = WaitingRooms.GeneralRoom;
        if (saleId is { } id)
        {
            var sale = await sales.FindAsync(id, cancellationToken);
            rooms.Remember(id, sale);
            if (sale is null)
            {
                return new RoomAnswer.NoSuchSale(id);
            }

            if (sale.IsOverAt(clock.GetUtcNow()))
            {
                return new RoomAnswer.SoldOut(new SoldOutTicket(null, true));
            }

            room = WaitingRooms.SaleRoom(id);
        }

        var place = await TakePlaceAsync(room, userId, cancellationToken);
        if (rooms.Line(room).PlaceOf(place.Sequence, place.JoinedAtUtc) is Place.Expired || clock.GetUtcNow() - place.JoinedAtUtc > rooms.Options.TicketLifetime)
        {
            await store.ExpireAsync(room, userId, place.Sequence, cancellationToken);
            place = await TakePlaceAsync(room, userId, cancellationToken);
        }

        // Signed over the row's own values, so joining again hands back the very same ticket.
        var ticket = new TicketClaim(room, userId, place.Sequence, place.JoinedAtUtc);
        return Answer(ticket, signer.Sign(ticket));
    }

    /// <summary>
    /// A poll (from memory), which, while its ticket is still in line, is held up to <paramref name="hold"/> for its turn or the sale
    /// selling out (<c>Prefer: wait</c>), and answers the moment either happens. A hold that runs out answers where
    /// the ticket stands, its <c>pollAfterSeconds</c> shortened by the hold, which already spaced the polls: a buyer told
    /// to come back within the hold (near its turn, or behind the units left, waiting for "sold out") comes back at once
    /// and is held again, so it hears either within a tick; one further back polls no more often than without holds.
    /// </summary>
    public async Task<RoomAnswer> PollAsync(long userId, string token, TimeSpan hold, CancellationToken cancellationToken)
    {
        if (Read(userId, token) is not { } ticket)
        {
            return new RoomAnswer.UnknownTicket();
        }

        var answer = Answer(ticket, token);
        if (answer is not RoomAnswer.InLine || hold <= TimeSpan.Zero)
        {
            return answer;
        }

        await rooms.Line(ticket.Room).Waiters.WaitAsync(ticket.Sequence, hold, clock, () => Answer(ticket, token) is RoomAnswer.InLine,
            cancellationToken);
        var after = Answer(ticket, token);
        return after is RoomAnswer.InLine { Ticket: var waiting }
            ? new RoomAnswer.InLine(waiting with { PollAfterSeconds = Math.Max(0, waiting.PollAfterSeconds - (int)Math.Ceiling(hold.TotalSeconds)) })
            : after;
    }

    private TicketClaim? Read(long userId, string token) =>
        signer.ReadTicket(token, userId) is { } ticket && clock.GetUtcNow() - ticket.IssuedAt <= rooms.Options.TicketLifetime ? ticket : null;

    private async Task<JoinedPlace> TakePlaceAsync(string room, long userId, CancellationToken cancellationToken)
    {
        var line = rooms.Line(room);
        // An idle room lets its burst in at once; a sale room before its sale opens lets no one in.
        var initialFrontier = rooms.IsOpen(room) ? rooms.Options.Burst : 0;
        var place = await store.JoinAsync(room, userId, initialFrontier, cancellationToken)
            // The same user joined twice at once and the other request won: its ticket is there now.
            ?? await store.JoinAsync(room, userId, initialFrontier, cancellationToken)
            ?? throw new InvalidOperationException($"No place in {room} for user {userId} after two attempts.");

        // The counter passed this sequence (and a new room's frontier starts where we put it), even if the
        // next tick has not read it yet: a join answers from what it knows, not from the tick before.
        line.Observe(place.Sequence == 1 ? initialFrontier : line.Frontier, place.Sequence, line.Outflow, line.Outstanding);
        return place;
    }

    private RoomAnswer Answer(TicketClaim ticket, string token)
    {
        if (WaitingRooms.SaleOf(ticket.Room) is { } saleId && rooms.KnowsSale(saleId) && rooms.SaleIsOver(saleId))
        {
            return new RoomAnswer.SoldOut(new SoldOutTicket(token, true));
        }

        switch (rooms.Line(ticket.Room).PlaceOf(ticket.Sequence, ticket.IssuedAt))
        {
            case Place.Admitted admitted:
                var admission = signer.Sign(new AdmissionClaim(ticket.Room, ticket.UserId, ticket.Sequence, admitted.ExpiresAt));
                return new RoomAnswer.Admitted(new AdmittedTicket(token, true, admission, admitted.ExpiresAt));
            case Place.Waiting waiting:
                var seconds = (int)Math.Min(int.MaxValue, Math.Ceiling(waiting.EstimatedWait.TotalSeconds));
                // Poll about twice per estimated wait, at least every MaxPollAfterSeconds (how late a buyer may
                // learn of its turn or of the sale selling out), at most once a second.
                var pollAfter = Math.Clamp(seconds / 2, 1, rooms.Options.MaxPollAfterSeconds);
                // Further back in a sale's line than it has units left for (those already admitted hold theirs until they
                // check out), a buyer waits for a unit given back or for the news that it sold out, which must reach them
                // within a second (issue 11): poll every second. Polls are answered from memory; the lab prices one (lab sale).
                if (WaitingRooms.SaleOf(ticket.Room) is { } sold && rooms.Sale(sold) is { } state
                    && waiting.Position > state.UnitsLeft - rooms.Line(ticket.Room).Outstanding)
                {
                    pollAfter = 1;
                }

                return new RoomAnswer.InLine(new WaitingTicket(token, waiting.Position, seconds, pollAfter));
            default:
                return new RoomAnswer.AdmissionExpired();
        }
    }
}
