using Bulwark.Shop.WaitingRoom;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Shop.Tests.WaitingRoom;

/// <summary>The room's line without a database: FIFO, the outflow rate, admission expiry.</summary>
public sealed class WaitingLineTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private static readonly DateTimeOffset Long_ago = DateTimeOffset.MinValue;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Concurrent_joiners_are_admitted_in_the_order_they_joined_at_the_outflow_rate()
    {
        const double rate = 10, burst = 2;
        var line = new WaitingLine(_clock, TimeSpan.FromMinutes(2));
        // 100 users join at once; the counter stands in for the room row's (one sequence per join).
        long counter = 0;
        var joined = new System.Collections.Concurrent.ConcurrentDictionary<int, long>();
        using var start = new ManualResetEventSlim();
        var joins = Enumerable.Range(0, 100).Select(user => Task.Run(() =>
        {
            start.Wait();
            joined[user] = Interlocked.Increment(ref counter);
        })).ToArray();
        start.Set();
        await Task.WhenAll(joins);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), joined.Values.Order());

        // The room stayed closed while they joined (a sale before it opens): nobody is in yet.
        line.Observe(Outflow.Advance(0, counter, TimeSpan.FromSeconds(30), rate, burst, open: false), counter, rate);
        Assert.All(joined.Values, sequence => Assert.IsType<Place.Waiting>(line.PlaceOf(sequence, Long_ago)));

        var admittedOrder = new List<long>();
        for (var ticks = 1; admittedOrder.Count < 100; ticks++)
        {
            _clock.Advance(Tick);
            line.Observe(Outflow.Advance(line.Frontier, counter, Tick, rate, burst, open: true), counter, rate);
            var admitted = joined.Values.Where(sequence => line.PlaceOf(sequence, Long_ago) is Place.Admitted).Order().ToList();
            // Always a prefix of the join order: nobody admitted while someone ahead still waits.
            Assert.Equal(Enumerable.Range(1, admitted.Count).Select(i => (long)i), admitted);
            // At the rate: 10 per second, 2.5 per tick (the frontier keeps the fraction).
            Assert.Equal((int)Math.Min(100, Math.Floor(rate * Tick.TotalSeconds * ticks)), admitted.Count);
            admittedOrder.AddRange(admitted.Skip(admittedOrder.Count));
            Assert.True(ticks < 100, "the line stopped moving");
        }

        Assert.Equal(joined.Values.Order(), admittedOrder);
    }

    [Fact]
    public void Position_is_the_distance_to_the_frontier_and_the_wait_is_position_over_outflow()
    {
        var line = new WaitingLine(_clock, TimeSpan.FromMinutes(2));
        line.Observe(frontier: 10.5, lastSequence: 50, outflow: 4);

        var place = Assert.IsType<Place.Waiting>(line.PlaceOf(30, Long_ago));
        Assert.Equal(20, place.Position);
        Assert.Equal(TimeSpan.FromSeconds(5), place.EstimatedWait);
        Assert.Equal(40, line.Waiting);

        // Readings never move the line back (an instance may read an older row than the one it saw).
        line.Observe(frontier: 3, lastSequence: 20, outflow: 4);
        Assert.Equal(10, line.AdmittedThrough);
        Assert.Equal(50, line.LastSequence);
    }

    [Fact]
    public void An_admission_expires_its_lifetime_after_the_frontier_passed_it()
    {
        var lifetime = TimeSpan.FromMinutes(2);
        var line = new WaitingLine(_clock, lifetime);
        line.Observe(frontier: 0, lastSequence: 10, outflow: 1);
        _clock.Advance(TimeSpan.FromSeconds(1));
        line.Observe(frontier: 1, lastSequence: 10, outflow: 1);
        var admittedAt = _clock.GetUtcNow();
        Assert.Equal(new Place.Admitted(admittedAt + lifetime), line.PlaceOf(1, Long_ago));

        _clock.Advance(TimeSpan.FromSeconds(90));
        line.Observe(frontier: 2, lastSequence: 10, outflow: 1);
        Assert.IsType<Place.Admitted>(line.PlaceOf(1, Long_ago));

        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.IsType<Place.Expired>(line.PlaceOf(1, Long_ago));
        Assert.Equal(new Place.Admitted(admittedAt + TimeSpan.FromSeconds(90) + lifetime), line.PlaceOf(2, Long_ago));

        // Once pruned, an old admission is still known to be expired.
        _clock.Advance(TimeSpan.FromMinutes(5));
        line.Observe(frontier: 3, lastSequence: 10, outflow: 1);
        Assert.IsType<Place.Expired>(line.PlaceOf(1, Long_ago));
        Assert.IsType<Place.Expired>(line.PlaceOf(2, Long_ago));
        Assert.IsType<Place.Admitted>(line.PlaceOf(3, Long_ago));
    }

    [Fact]
    public void A_ticket_taken_after_the_frontier_passed_its_place_is_admitted_from_when_it_was_taken()
    {
        var lifetime = TimeSpan.FromMinutes(2);
        var line = new WaitingLine(_clock, lifetime);
        // An idle room: the frontier stands a burst ahead of the last ticket.
        line.Observe(frontier: 5, lastSequence: 1, outflow: 1);
        _clock.Advance(TimeSpan.FromMinutes(10));
        line.Observe(frontier: 6, lastSequence: 1, outflow: 1);

        var joinedAt = _clock.GetUtcNow();
        Assert.Equal(new Place.Admitted(joinedAt + lifetime), line.PlaceOf(2, joinedAt));
        Assert.IsType<Place.Expired>(line.PlaceOf(2, joinedAt - TimeSpan.FromMinutes(3)));
    }

    [Fact]
    public void An_admission_runs_from_when_the_database_admitted_it_not_from_when_this_instance_saw_it()
    {
        var lifetime = TimeSpan.FromMinutes(2);
        var line = new WaitingLine(_clock, lifetime);
        line.Observe(frontier: 0, lastSequence: 10, outflow: 1);
        var admittedAt = _clock.GetUtcNow();

        // This instance reads the move a few seconds late (a missed tick): the database's instant counts, not its own.
        _clock.Advance(TimeSpan.FromSeconds(3));
        line.Learn([new AdmissionStep("sale-1", 1, 2, admittedAt.UtcDateTime)]);
        line.Observe(frontier: 2, lastSequence: 10, outflow: 1);
        Assert.Equal(new Place.Admitted(admittedAt + lifetime), line.PlaceOf(2, Long_ago));

        // Learned after the frontier was seen (the order does not matter): the earlier instant wins.
        _clock.Advance(TimeSpan.FromSeconds(1));
        line.Observe(frontier: 3, lastSequence: 10, outflow: 1);
        line.Learn([new AdmissionStep("sale-1", 3, 3, (admittedAt + TimeSpan.FromSeconds(2)).UtcDateTime)]);
        Assert.Equal(new Place.Admitted(admittedAt + TimeSpan.FromSeconds(2) + lifetime), line.PlaceOf(3, Long_ago));
    }

    [Fact]
    public void On_a_first_reading_places_admitted_before_the_admissions_read_are_expired_not_dated_from_now()
    {
        var lifetime = TimeSpan.FromMinutes(2);
        var line = new WaitingLine(_clock, lifetime);
        var admittedAt = _clock.GetUtcNow() - TimeSpan.FromSeconds(30);

        // A fresh instance: 1..4 were admitted longer ago than an admission lives (not among the admissions read), 5..7 30 s ago.
        line.Learn([new AdmissionStep("sale-1", 5, 7, admittedAt.UtcDateTime)], expiredThrough: 4);
        line.Observe(frontier: 7, lastSequence: 9, outflow: 1);

        Assert.IsType<Place.Expired>(line.PlaceOf(4, Long_ago));
        Assert.Equal(new Place.Admitted(admittedAt + lifetime), line.PlaceOf(5, Long_ago));
        Assert.IsType<Place.Waiting>(line.PlaceOf(8, Long_ago));
    }
}
