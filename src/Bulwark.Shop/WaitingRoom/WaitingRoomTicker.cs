using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Telemetry;
using Bulwark.Shop.Database;

namespace Bulwark.Shop.WaitingRoom;

/// <summary>
/// Every tick (250 ms by default) this instance refreshes the sales behind its sale rooms, reads every room's
/// shared row and, if it holds the advance lock, moves the frontiers at the outflow rate first. That is one
/// short transaction per instance per tick however many buyers poll, and polls read only what it left in
/// <see cref="WaitingRooms"/>.
/// </summary>
public sealed partial class WaitingRoomTicker(WaitingRooms rooms, WaitingRoomStore store, ISaleQueueSource sales,
    IGateStatisticsProvider gate, IGateControl control, ProcessingDelay processing, CheckoutThroughput checkouts,
    WaitingRoomMetrics metrics, DatabaseReadiness readiness, TimeProvider clock, ILogger<WaitingRoomTicker> logger) : BackgroundService
{
    private readonly Outflow _outflow = new(rooms.Options);
    private long _lastSampleAt;

    /// <summary>This process's row in <c>waiting_room_outflow</c>: a restarted instance reports afresh, and its old row ages out.</summary>
    private readonly Guid _instance = Guid.NewGuid();

    /// <summary>Whether a tick has written this instance's row (only then is there one to take out on stopping).</summary>
    private volatile bool _reported;

    /// <summary>The database's instant of the last tick's reading, and when (by this instance's clock) it was taken.</summary>
    private (DateTimeOffset At, long Timestamp)? _lastReading;

    /// <summary>
    /// How far back each tick reads admissions again: a tick's or a join's transaction takes its instant (now()) when
    /// it starts and may commit after another instance's reading began, so the instants just before a reading may
    /// not be in it yet. Reading them twice is harmless (an instant is only ever replaced by an earlier one).
    /// </summary>
    private static readonly TimeSpan ReadAgain = TimeSpan.FromSeconds(5);

    /// <summary>Ticks between looks at the database while no room is in use on this instance.</summary>
    private const int IdleEvery = 8;

    /// <summary>
    /// How long an instance's reported outflow counts: three of its idle intervals, so an instance that serves checkouts
    /// but has no line of its own yet (it ticks every eighth interval) is never dropped from the sum, while one that
    /// stopped is dropped within seconds.
    /// </summary>
    private TimeSpan ReportFreshFor => rooms.Options.TickInterval * IdleEvery * 3;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(rooms.Options.TickInterval, clock);
        var idleTicks = 0;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            // With no room in use here, look every IdleEvery-th tick only (a room another instance opens is still
            // learned within about two seconds): a shop without queues should not hold connections four times a second.
            var idle = !rooms.Lines.Any() && !rooms.KnownSales.Any();
            if (!readiness.Migrated || (idle && ++idleTicks % IdleEvery != 0))
            {
                continue;
            }

            try
            {
                await TickAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // A missed tick only holds the lines still for a moment; the next one catches up (up to Outflow.MaxStep).
                TickFailed(logger, exception.Message);
            }
        }
    }

    /// <summary>
    /// Stops ticking, then takes this instance's rate out of the cluster's sum: in a rolling restart the lines slow down
    /// as the instance leaves, not seconds later. If the database does not answer, the report ages out by itself.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!_reported)
        {
            return;
        }

        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(TimeSpan.FromSeconds(2));
            await store.ForgetOutflowAsync(_instance, bounded.Token);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            ForgetFailed(logger, exception.Message);
        }
    }

    /// <summary>One tick; public so tests can drive the rooms without waiting for the timer.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        rooms.SampleCheckoutPressure();
        foreach (var saleId in rooms.KnownSales.ToArray())
        {
            rooms.Remember(saleId, await sales.FindAsync(saleId, cancellationToken));
        }

        var now = clock.GetTimestamp();
        // Short of CPU when the edge sheds normal work for it (its own test): the room slows down before the edge would
        // shed critical work, such as the cart updates that precede checkouts.
        var cpuShort = LoadShedding.ShouldShedCached(control.Settings, Priority.Normal, processing.Reading, out _);
        var rate = _lastSampleAt == 0 ? _outflow.Rate
            : _outflow.Update(gate.GetStatistics(), checkouts.Completed, clock.GetElapsedTime(_lastSampleAt, now), cpuShort, checkouts.Refused);
        _lastSampleAt = now;

        var options = rooms.Options;
        // After a gap longer than an admission lives (the database was away, the instance paused), read as if for the
        // first time: the places passed meanwhile must be known as expired, not dated from when this tick sees them.
        var firstReading = _lastReading is not { } last || clock.GetElapsedTime(last.Timestamp) > options.AdmissionLifetime;
        // Every instance reports what it measures; the lock holder lets buyers out at the sum, since behind a load balancer
        // each instance completes only its share of the checkouts.
        var (rows, advanced, steps, readAt, _) = await store.TickAsync(Advance, new OutflowReport(_instance, rate, ReportFreshFor),
            firstReading ? null : _lastReading!.Value.At - ReadAgain, options.AdmissionLifetime, options.AdmissionGrace, cancellationToken);
        _reported = true;
        var stepsByRoom = steps.ToLookup(step => step.Room);
        foreach (var row in rows)
        {
            var line = rooms.Line(row.Room);
            if (advanced && line.LastSequence > 0)
            {
                metrics.Admitted(row.Room, Math.Min(row.LastSequence, (long)Math.Floor(row.Frontier)) - Math.Min(row.LastSequence, line.AdmittedThrough));
            }

            // Before the frontier, so that no place is ever seen passed without the instant it was admitted at. The
            // first reading has every admission still usable; whatever was passed before the earliest of them is over.
            var admitted = stepsByRoom[row.Room];
            line.Learn(admitted, firstReading
                ? Math.Min(Math.Min((long)Math.Floor(row.Frontier), row.LastSequence), admitted.Select(step => step.First - 1).DefaultIfEmpty(long.MaxValue).Min())
                : null);
            line.Observe(row.Frontier, row.LastSequence, row.Outflow, row.Outstanding);
            if (WaitingRooms.SaleOf(row.Room) is { } saleId)
            {
                // A room another instance opened: asking marks its sale to be read from the next tick on.
                _ = rooms.KnowsSale(saleId);
            }
        }

        _lastReading = (readAt, now);
    }

    /// <param name="rate">The cluster's outflow: every live instance's measured rate, summed by the tick.</param>
    private (double Frontier, double Outflow)? Advance(RoomRow row, double rate)
    {
        // Checkout capacity is one for all rooms: the rooms whose people may move share it.
        var busy = Math.Max(1, rooms.RoomsSharingCheckout);
        var share = Math.Max(rooms.Options.MinOutflowPerSecond, rate / busy);
        var frontier = Outflow.Advance(row.Frontier, row.LastSequence, TimeSpan.FromSeconds(row.ElapsedSeconds), share,
            rooms.Options.Burst, rooms.IsOpen(row.Room));
        // A sale's line admits no more buyers than it has units for: admissions beyond the units left would only
        // race each other at checkout, and the fastest, not the first in line, would win (lab sale measured 34 %
        // of units bought out of queue order before this, with 876 admitted for 500 units).
        // The units left come from the tick's own statement (RoomRow.UnitsLeft), in the snapshot the outstanding admissions
        // were counted in; the sales feature's copy only for a sale the database does not hold (deleted meanwhile, or the
        // waiting room's own tests' stand-in sales).
        if (WaitingRooms.SaleOf(row.Room) is { } saleId && (row.UnitsLeft ?? rooms.Sale(saleId)?.UnitsLeft) is { } unitsLeft)
        {
            frontier = Math.Max(row.Frontier, Math.Min(frontier, Outflow.SaleCap(row.Frontier, row.LastSequence, row.Outstanding, unitsLeft)));
        }

        return (frontier, share);
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "Waiting-room tick failed ({Failure}); the lines stay where they are until the next")]
    private static partial void TickFailed(ILogger logger, string failure);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "Could not take this instance's outflow out of the waiting rooms' sum on stopping ({Failure}); it ages out within seconds")]
    private static partial void ForgetFailed(ILogger logger, string failure);
}
