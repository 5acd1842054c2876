using Bulwark.Guard.Gate;
using Dapper;

namespace Bulwark.Shop.WaitingRoom;

/// <summary>A room's shared row as read on a tick.</summary>
/// <summary>A user's ticket row: its place, and when it was taken (what the signed ticket carries, so joining again gives the same token).</summary>
public sealed record JoinedPlace(long Sequence, DateTime JoinedAt)
{
    public DateTimeOffset JoinedAtUtc => new(DateTime.SpecifyKind(JoinedAt, DateTimeKind.Utc));
}

/// <param name="Outstanding">Admitted tickets whose admission no checkout has used yet (nor expired).</param>
public sealed record RoomRow(string Room, long LastSequence, double Frontier, double Outflow, double ElapsedSeconds, long Outstanding = 0);

/// <summary>
/// The rooms' shared state in PostgreSQL: a join is one statement, a tick one short transaction per
/// instance, spending an admission one statement. Polls never come here.
/// </summary>
public sealed class WaitingRoomStore(IDatabaseGate gate)
{
    /// <summary>The advisory lock whose holder advances every room's frontier on a tick ("bulwark-waiting-room").</summary>
    private const long AdvanceLock = 0x42_57_61_69_74_52_6d;

    /// <summary>
    /// The user's place in the room: their unspent ticket if they hold one (joining again never moves anyone),
    /// otherwise the next sequence. The room row's lock orders concurrent joins. Null when a concurrent join
    /// by the same user won the race; asking again then finds that ticket.
    /// </summary>
    /// <remarks>Critical, like the endpoint: the order of joining is the order of buying, so a join must not wait behind a crowd's cart updates.</remarks>
    public Task<JoinedPlace?> JoinAsync(string room, long userId, double initialFrontier, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Critical, cancellationToken, (connection, token) =>
            connection.QuerySingleOrDefaultAsync<JoinedPlace?>(new CommandDefinition("""
                WITH existing AS (
                    SELECT sequence, joined_at FROM waiting_room_tickets
                    WHERE room = @room AND user_id = @userId AND spent_by IS NULL),
                counter AS (
                    INSERT INTO waiting_rooms AS r (room, last_sequence, frontier) VALUES (@room, 1, @initialFrontier)
                    ON CONFLICT (room) DO UPDATE SET last_sequence = r.last_sequence + 1
                    WHERE NOT EXISTS (SELECT 1 FROM existing)
                    RETURNING last_sequence),
                issued AS (
                    INSERT INTO waiting_room_tickets AS t (room, user_id, sequence)
                    SELECT @room, @userId, last_sequence FROM counter WHERE NOT EXISTS (SELECT 1 FROM existing)
                    ON CONFLICT (room, user_id) DO UPDATE SET sequence = EXCLUDED.sequence, joined_at = now(), spent_by = NULL
                    WHERE t.spent_by IS NOT NULL
                    RETURNING sequence, joined_at)
                SELECT sequence, joined_at AS JoinedAt FROM existing UNION ALL SELECT sequence, joined_at FROM issued
                """, new { room, userId, initialFrontier }, cancellationToken: token)));

    /// <summary>Gives up a ticket whose admission ran out, so that joining again takes a new place at the back.</summary>
    public Task ExpireAsync(string room, long userId, long sequence, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Normal, cancellationToken, (connection, token) =>
            connection.ExecuteAsync(new CommandDefinition("""
                UPDATE waiting_room_tickets SET spent_by = '' WHERE room = @room AND user_id = @userId AND sequence = @sequence AND spent_by IS NULL
                """, new { room, userId, sequence }, cancellationToken: token)));

    /// <summary>
    /// Marks the admission used by the checkout with this Idempotency-Key; true when it is (or already was)
    /// that checkout's, false when another checkout spent it or it was replaced by a newer ticket.
    /// </summary>
    public Task<bool> SpendAsync(string room, long userId, long sequence, string idempotencyKey, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
            await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE waiting_room_tickets SET spent_by = @idempotencyKey
                WHERE room = @room AND user_id = @userId AND sequence = @sequence AND (spent_by IS NULL OR spent_by = @idempotencyKey)
                """, new { room, userId, sequence, idempotencyKey }, cancellationToken: token)) == 1);

    /// <summary>
    /// One tick: reads every room; when this instance holds the advance lock, <paramref name="advance"/>
    /// decides each room's new frontier and outflow from its row, and they are written back. The lock is
    /// the transaction's, so a stopped instance hands the job on at its next tick, not after a timeout.
    /// Critical: while rooms hold buyers, this tick is what lets checkouts through.
    /// </summary>
    public Task<(IReadOnlyList<RoomRow> Rows, bool Advanced)> TickAsync(Func<RoomRow, (double Frontier, double Outflow)?> advance,
        CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(token);
            var leader = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT pg_try_advisory_xact_lock(@lockKey)", new { lockKey = AdvanceLock }, transaction, cancellationToken: token));
            var rows = (await connection.QueryAsync<RoomRow>(new CommandDefinition("""
                SELECT room, last_sequence AS LastSequence, frontier, outflow,
                       GREATEST(0, extract(epoch FROM now() - advanced_at))::float8 AS ElapsedSeconds,
                       -- Only a sale's line is capped by what it has outstanding; the general room's tickets pile up for
                       -- good, and counting them four times a second would grow with the shop's age.
                       -- Outstanding: admitted and not yet holding a unit — unspent, or spent by a checkout that has made
                       -- no order yet (refused for overload after spending, it comes back with the same key). Counting only
                       -- the unspent let the line move past such buyers, and later ones took their units (lab sale: 19 % of
                       -- units bought out of queue order, aggressive buyers retrying faster than polite ones).
                       CASE WHEN w.room LIKE @salePrefix THEN (SELECT count(*) FROM waiting_room_tickets t
                            WHERE t.room = w.room AND t.sequence <= w.frontier
                              AND (t.spent_by IS NULL OR (t.spent_by <> '' AND NOT EXISTS (
                                  SELECT 1 FROM orders o WHERE o.user_id = t.user_id AND o.idempotency_key = t.spent_by))))
                       ELSE 0 END AS Outstanding
                FROM waiting_rooms w
                """, new { salePrefix = WaitingRooms.SalePrefix + "%" }, transaction, cancellationToken: token))).AsList();
            if (!leader)
            {
                await transaction.CommitAsync(token);
                return ((IReadOnlyList<RoomRow>)rows, false);
            }

            var moved = new List<RoomRow>(rows.Count);
            foreach (var row in rows)
            {
                // Those the frontier passes now are outstanding too, until they check out: counted before the move, they
                // would read as units still free for the line behind them for one tick.
                moved.Add(advance(row) is { } next
                    ? row with
                    {
                        Frontier = next.Frontier,
                        Outflow = next.Outflow,
                        Outstanding = row.Outstanding + Math.Max(0, Math.Min((long)Math.Floor(next.Frontier), row.LastSequence) - Math.Min((long)Math.Floor(row.Frontier), row.LastSequence)),
                    }
                    : row);
            }

            // Only the lock holder writes frontiers, so what it read is still theirs; joins meanwhile only add
            // to last_sequence, which the next tick's cap takes in.
            await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE waiting_rooms AS r SET frontier = u.frontier, outflow = u.outflow, advanced_at = now()
                FROM unnest(@rooms, @frontiers, @outflows) AS u (room, frontier, outflow)
                WHERE r.room = u.room
                """, new
            {
                rooms = moved.Select(r => r.Room).ToArray(),
                frontiers = moved.Select(r => r.Frontier).ToArray(),
                outflows = moved.Select(r => r.Outflow).ToArray(),
            }, transaction, cancellationToken: token));
            await transaction.CommitAsync(token);
            return ((IReadOnlyList<RoomRow>)moved, true);
        });
}
