using Bulwark.Guard.Gate;
using Dapper;

namespace Bulwark.Shop.WaitingRoom;

/// <summary>A user's ticket row: its place, and when it was taken (what the signed ticket carries, so joining again gives the same token).</summary>
public sealed record JoinedPlace(long Sequence, DateTime JoinedAt)
{
    public DateTimeOffset JoinedAtUtc => new(DateTime.SpecifyKind(JoinedAt, DateTimeKind.Utc));
}

/// <summary>A room's shared row as read on a tick.</summary>
/// <param name="Outstanding">Admitted tickets whose admission no checkout has used yet (nor expired).</param>
/// <param name="UnitsLeft">A sale room's units left to sell, read in the same statement as <paramref name="Outstanding"/>; null for other rooms.</param>
public sealed record RoomRow(string Room, long LastSequence, double Frontier, double Outflow, double ElapsedSeconds, long Outstanding = 0,
    long? UnitsLeft = null);

/// <summary>
/// Tickets of one room admitted at one instant (the database's <c>admitted_at</c>): places <paramref name="First"/>
/// through <paramref name="Through"/> (as far as tickets exist for them) started their admission then.
/// </summary>
public sealed record AdmissionStep(string Room, long First, long Through, DateTime At)
{
    public DateTimeOffset AtUtc => new(DateTime.SpecifyKind(At, DateTimeKind.Utc));
}

/// <summary>
/// What one tick read: the rooms, the admissions made since <c>since</c>, the database's instant of the read, and the
/// outflow of every instance that reported lately (this one's included).
/// </summary>
public sealed record TickReading(IReadOnlyList<RoomRow> Rows, bool Advanced, IReadOnlyList<AdmissionStep> Steps, DateTimeOffset ReadAt,
    double ClusterOutflow);

/// <summary>
/// This instance's measured outflow (checkouts it completes per second), reported on every tick; the rates of instances
/// that reported within <paramref name="FreshFor"/> are summed for the lock holder.
/// </summary>
public sealed record OutflowReport(Guid Instance, double Rate, TimeSpan FreshFor);

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
                    RETURNING last_sequence, frontier),
                -- A place the frontier has already passed (an idle room's burst) is admitted by the join itself; the
                -- room row's lock, held from the counter on, keeps a tick from passing it in between unstamped.
                issued AS (
                    INSERT INTO waiting_room_tickets AS t (room, user_id, sequence, admitted_at)
                    SELECT @room, @userId, last_sequence, CASE WHEN last_sequence <= frontier THEN now() END
                    FROM counter WHERE NOT EXISTS (SELECT 1 FROM existing)
                    ON CONFLICT (room, user_id) DO UPDATE
                    SET sequence = EXCLUDED.sequence, joined_at = now(), admitted_at = EXCLUDED.admitted_at, spent_by = NULL
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

    /// <summary>Takes this instance's outflow out of the sum at once (it is stopping), rather than when its report goes stale.</summary>
    public Task ForgetOutflowAsync(Guid instance, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Critical, cancellationToken, (connection, token) =>
            connection.ExecuteAsync(new CommandDefinition("DELETE FROM waiting_room_outflow WHERE instance = @instance",
                new { instance }, cancellationToken: token)));

    /// <summary>
    /// One tick: reads every room; when this instance holds the advance lock, <paramref name="advance"/>
    /// decides each room's new frontier and outflow from its row, they are written back, and the tickets the
    /// frontiers just passed are stamped admitted at this transaction's instant. Then the admissions made after
    /// <paramref name="since"/> (the last tick's reading, less an overlap; null: the first tick, every admission
    /// still usable) are read, in the same transaction and after the rows, so that no frontier is seen without the
    /// instants it passed its places at. The lock is the transaction's, so a stopped instance hands the job on at
    /// its next tick, not after a timeout. Critical: while rooms hold buyers, this tick is what lets checkouts through.
    /// </summary>
    /// <param name="advance">A room's row and the cluster's outflow (the fresh reports summed) → its new frontier and outflow.</param>
    /// <param name="report">This instance's outflow, written first so that every instance's rate reaches the lock holder.</param>
    /// <param name="lifetime">How long an admission can be used (<see cref="WaitingRoomOptions.AdmissionLifetime"/>).</param>
    /// <param name="grace">How much longer a sale line counts it as holding a unit (<see cref="WaitingRoomOptions.AdmissionGrace"/>).</param>
    public Task<TickReading> TickAsync(Func<RoomRow, double, (double Frontier, double Outflow)?> advance, OutflowReport report,
        DateTimeOffset? since, TimeSpan lifetime, TimeSpan grace, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(token);
            // The statement's own insert is not in its snapshot: the others' fresh rates, plus this one's.
            var (leader, readAt, clusterOutflow) = await connection.QuerySingleAsync<(bool, DateTime, double)>(new CommandDefinition("""
                WITH reported AS (
                    INSERT INTO waiting_room_outflow (instance, rate, reported_at) VALUES (@instance, @rate, now())
                    ON CONFLICT (instance) DO UPDATE SET rate = EXCLUDED.rate, reported_at = EXCLUDED.reported_at)
                SELECT pg_try_advisory_xact_lock(@lockKey), now(),
                       @rate + COALESCE((SELECT sum(rate) FROM waiting_room_outflow
                                         WHERE instance <> @instance AND reported_at > now() - @freshFor), 0)
                """, new { lockKey = AdvanceLock, instance = report.Instance, rate = report.Rate, freshFor = report.FreshFor },
                transaction, cancellationToken: token));
            var rows = (await connection.QueryAsync<RoomRow>(new CommandDefinition("""
                SELECT room, last_sequence AS LastSequence, frontier, outflow,
                       GREATEST(0, extract(epoch FROM now() - advanced_at))::float8 AS ElapsedSeconds,
                       -- Only a sale's line is capped by what it has outstanding; the general room's tickets pile up for
                       -- good, and counting them four times a second would grow with the shop's age.
                       -- Outstanding: admitted and not yet holding a unit — unspent, or spent by a checkout that has made
                       -- no order yet (refused for overload after spending, it comes back with the same key). Counting only
                       -- the unspent let the line move past such buyers, and later ones took their units (lab sale: 19 % of
                       -- units bought out of queue order, aggressive buyers retrying faster than polite ones).
                       -- Either way only while the admission can still be used: a buyer who walked away frees the unit
                       -- for the next in line a lifetime (and the grace) after being let in, not when the sale ends.
                       CASE WHEN w.room LIKE @salePrefix THEN (SELECT count(*) FROM waiting_room_tickets t
                            WHERE t.room = w.room AND t.sequence <= w.frontier AND t.admitted_at > now() - @countFor
                              AND (t.spent_by IS NULL OR (t.spent_by <> '' AND NOT EXISTS (
                                  SELECT 1 FROM orders o WHERE o.user_id = t.user_id AND o.idempotency_key = t.spent_by))))
                       ELSE 0 END AS Outstanding,
                       -- The sales feature's count, in this statement's snapshot: a reservation that commits between two
                       -- separate reads would take its ticket off the outstanding ones while its unit still looked unsold.
                       CASE WHEN w.room LIKE @salePrefix THEN sale_units_left(substr(w.room, @saleIdFrom)::bigint) END AS UnitsLeft
                FROM waiting_rooms w
                """, new { salePrefix = WaitingRooms.SalePrefix + "%", saleIdFrom = WaitingRooms.SalePrefix.Length + 1, countFor = lifetime + grace }, transaction, cancellationToken: token))).AsList();

            var moved = rows;
            if (leader)
            {
                moved = new List<RoomRow>(rows.Count);
                foreach (var row in rows)
                {
                    // Those the frontier passes now are outstanding too, until they check out: counted before the move, they
                    // would read as units still free for the line behind them for one tick.
                    moved.Add(advance(row, clusterOutflow) is { } next
                        ? row with
                        {
                            Frontier = next.Frontier,
                            Outflow = next.Outflow,
                            Outstanding = row.Outstanding + Math.Max(0, Math.Min((long)Math.Floor(next.Frontier), row.LastSequence) - Math.Min((long)Math.Floor(row.Frontier), row.LastSequence)),
                        }
                        : row);
                }

                // Only the lock holder writes frontiers, so what it read is still theirs; joins meanwhile only add
                // to last_sequence, which the next tick's cap takes in. The rooms first: their row locks make a
                // concurrent join either finish before the stamping below (which then sees its ticket) or wait for
                // this commit and see the new frontier (and stamp its ticket itself).
                var update = new
                {
                    rooms = moved.Select(r => r.Room).ToArray(),
                    frontiers = moved.Select(r => r.Frontier).ToArray(),
                    outflows = moved.Select(r => r.Outflow).ToArray(),
                };
                await connection.ExecuteAsync(new CommandDefinition("""
                    UPDATE waiting_rooms AS r SET frontier = u.frontier, outflow = u.outflow, advanced_at = now()
                    FROM unnest(@rooms, @frontiers, @outflows) AS u (room, frontier, outflow)
                    WHERE r.room = u.room
                    """, update, transaction, cancellationToken: token));
                await connection.ExecuteAsync(new CommandDefinition("""
                    UPDATE waiting_room_tickets AS t SET admitted_at = now()
                    FROM unnest(@rooms, @frontiers) AS u (room, frontier)
                    WHERE t.room = u.room AND t.admitted_at IS NULL AND t.sequence <= u.frontier
                    """, update, transaction, cancellationToken: token));
                // Instances that stopped reporting (stopped, or restarted under a new id) are no longer summed; their rows go.
                await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM waiting_room_outflow WHERE reported_at < now() - @forgetAfter",
                    new { forgetAfter = report.FreshFor * 10 }, transaction, cancellationToken: token));
            }

            var steps = (await connection.QueryAsync<AdmissionStep>(new CommandDefinition("""
                SELECT room, min(sequence) AS First, max(sequence) AS Through, admitted_at AS At
                FROM waiting_room_tickets
                WHERE admitted_at > COALESCE(@since, now() - @lifetime)
                GROUP BY room, admitted_at
                ORDER BY room, admitted_at
                """, new { since = since?.UtcDateTime, lifetime }, transaction, cancellationToken: token))).AsList();
            await transaction.CommitAsync(token);
            return new TickReading(moved, leader, steps, new DateTimeOffset(DateTime.SpecifyKind(readAt, DateTimeKind.Utc)), clusterOutflow);
        });
}
