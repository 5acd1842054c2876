using Bulwark.Guard.Gate;
using Bulwark.Guard.Telemetry;
using Bulwark.Shop.WaitingRoom;

namespace Bulwark.Shop.Tests.WaitingRoom;

public sealed class OutflowTests
{
    [Fact]
    public void The_frontier_moves_at_the_rate_only_while_open_and_at_most_burst_past_the_last_ticket()
    {
        Assert.Equal(5, Outflow.Advance(5, 100, TimeSpan.FromSeconds(1), 10, 2, open: false));
        Assert.Equal(7.5, Outflow.Advance(5, 100, TimeSpan.FromMilliseconds(250), 10, 2, open: true));
        Assert.Equal(12, Outflow.Advance(5, 10, TimeSpan.FromSeconds(1), 10, 2, open: true));
        // A long pause (database away) resumes the line, it does not let a crowd through.
        Assert.Equal(15, Outflow.Advance(5, 100, TimeSpan.FromMinutes(5), 10, 2, open: true));
        // Never back, even when the counter reads behind the frontier.
        Assert.Equal(20, Outflow.Advance(20, 10, TimeSpan.FromSeconds(1), 10, 2, open: true));
    }

    [Fact]
    public void A_sale_opens_by_letting_its_burst_out_at_once()
    {
        // Closed (before the opening), nobody; open, the first five at once, as a room first joined while open starts.
        Assert.Equal(0, Outflow.Advance(0, 1000, TimeSpan.FromMilliseconds(250), 1, 5, open: false));
        Assert.Equal(5, Outflow.Advance(0, 1000, TimeSpan.FromMilliseconds(250), 1, 5, open: true));
        Assert.Equal(5.25, Outflow.Advance(5, 1000, TimeSpan.FromMilliseconds(250), 1, 5, open: true));
    }

    [Fact]
    public void Until_the_first_congestion_the_rate_doubles_what_checkout_completes_each_look()
    {
        var outflow = new Outflow(new WaitingRoomOptions { MinOutflowPerSecond = 1, MaxOutflowPerSecond = 200 });
        var look = TimeSpan.FromMilliseconds(250);
        long completed = 0;
        outflow.Update(Statistics(limit: 4, inUse: 4), completed, look);
        // The opening's burst: five buyers check out within the first look.
        completed += 5;
        var rates = new List<double> { outflow.Update(Statistics(limit: 4, inUse: 4), completed, look) };
        while (rates[^1] < 200)
        {
            // Everyone let out checks out within the next look, on a gate whose every connection is in use.
            completed += (long)Math.Round(rates[^1] * look.TotalSeconds);
            rates.Add(outflow.Update(Statistics(limit: 4, inUse: 4), completed, look));
        }

        Assert.True(outflow.SlowStart);
        Assert.Equal(40, rates[0], precision: 6);
        Assert.All(rates.Zip(rates.Skip(1)), pair => Assert.Equal(Math.Min(200, pair.First * 2), pair.Second, precision: 6));
        Assert.InRange(rates.Count, 2, 4);
    }

    [Theory]
    [InlineData(10, 50.0)] // a saturated gate: what checkout completes
    [InlineData(2, 100.0)] // connections to spare: up to twice that
    public void After_the_slow_start_the_rate_follows_what_checkout_completes_and_the_gates_headroom(int inUse, double rate)
    {
        var (outflow, _) = ServeFiftyCheckoutsASecond(inUse);
        Assert.Equal(rate, outflow.Rate, precision: 1);
    }

    [Fact]
    public void A_checkout_refused_for_time_cuts_the_rate_at_once_and_ends_the_doubling()
    {
        var outflow = new Outflow(new WaitingRoomOptions { MinOutflowPerSecond = 1, MaxOutflowPerSecond = 1000 });
        long completed = 0;
        outflow.Update(Statistics(limit: 10, inUse: 10), completed, TimeSpan.FromSeconds(1));
        completed += 50;
        Assert.Equal(100, outflow.Update(Statistics(limit: 10, inUse: 10), completed, TimeSpan.FromSeconds(1)), precision: 6);

        // The arriving crowd's joins and cart updates refused at the gate are not checkout running short.
        completed += 50;
        var crowd = Statistics(limit: 10, inUse: 10, rejected:
        [
            new(Priority.Critical, RejectionReason.QueueDelay, 75),
            new(Priority.Normal, RejectionReason.DeadlineUnmeetable, 40),
        ]);
        Assert.Equal(100, outflow.Update(crowd, completed, TimeSpan.FromSeconds(1)), precision: 6);
        Assert.True(outflow.SlowStart);

        // Two admitted checkouts run out of time: 80 % of what completed, at once.
        completed += 50;
        Assert.Equal(40, outflow.Update(crowd, completed, TimeSpan.FromSeconds(1), checkoutsRefused: 2), precision: 6);
        Assert.False(outflow.SlowStart);

        // The same count again is no new refusal; from now on the rate follows completions on the saturated gate, smoothed.
        completed += 50;
        Assert.Equal(43, outflow.Update(crowd, completed, TimeSpan.FromSeconds(1), checkoutsRefused: 2), precision: 6);
    }

    [Fact]
    public void An_idle_gate_ramps_back_to_the_most_checkout_completed_never_past_it_and_the_rate_never_leaves_the_bounds()
    {
        var outflow = new Outflow(new WaitingRoomOptions { MinOutflowPerSecond = 2, MaxOutflowPerSecond = 80 });
        outflow.Update(Statistics(limit: 10, inUse: 0), 0, TimeSpan.FromSeconds(1));
        var idle = Enumerable.Range(0, 60).Select(_ => outflow.Update(Statistics(limit: 10, inUse: 0), 0, TimeSpan.FromSeconds(1))).ToList();
        // Nothing ever completed: an idle gate says nothing of what checkout can take (a sale not yet open).
        Assert.All(idle, rate => Assert.Equal(2, rate, precision: 3));

        // One second in which 30 checkouts completed on a saturated gate, then a lull with the CPU short (back to the floor).
        outflow.Update(Statistics(limit: 10, inUse: 10), 30, TimeSpan.FromSeconds(1));
        for (var second = 0; second < 20; second++)
        {
            outflow.Update(Statistics(limit: 10, inUse: 0), 30, TimeSpan.FromSeconds(1), cpuShort: true);
        }

        Assert.Equal(2, outflow.Rate, precision: 3);
        var rates = Enumerable.Range(0, 60).Select(_ => outflow.Update(Statistics(limit: 10, inUse: 0), 30, TimeSpan.FromSeconds(1))).ToList();
        Assert.All(rates, rate => Assert.InRange(rate, 2, 80));
        Assert.Equal(30, rates[^1], precision: 3);
        Assert.True(rates.Zip(rates.Skip(1)).All(pair => pair.Second >= pair.First), "an idle gate only ever raises the rate");

        // Checkouts completing with connections to spare: the rate grows past the old peak, up to the cap.
        long completed = 30;
        for (var second = 0; second < 60; second++)
        {
            completed += (long)Math.Ceiling(outflow.Rate);
            outflow.Update(Statistics(limit: 10, inUse: 2), completed, TimeSpan.FromSeconds(1));
        }

        Assert.Equal(80, outflow.Rate, precision: 3);
    }

    [Fact]
    public void A_cpu_short_shop_lets_out_less_than_checkout_completes_even_with_connections_to_spare()
    {
        var (outflow, completed) = ServeFiftyCheckoutsASecond(inUse: 2);
        Assert.Equal(100, outflow.Rate, precision: 1);
        completed += 50;
        outflow.Update(Statistics(limit: 10, inUse: 2), completed, TimeSpan.FromSeconds(1), cpuShort: true);
        // At once, not over several looks.
        Assert.Equal(40, outflow.Rate, precision: 6);

        // Short of CPU with nobody checking out (the CPU goes to other work): the line slows to its floor.
        outflow.Update(Statistics(limit: 10, inUse: 0), completed, TimeSpan.FromSeconds(1), cpuShort: true);
        Assert.Equal(1, outflow.Rate, precision: 6);
    }

    [Theory]
    [InlineData(100.0, 200, 0, 500, 600.0)]   // nobody admitted is still shopping: room for every unit left
    [InlineData(100.0, 200, 40, 50, 110.0)]   // 40 admitted still to check out, 50 units left: 10 more
    [InlineData(100.0, 200, 50, 50, 100.0)]   // as many admitted as units: the line holds
    [InlineData(100.6, 200, 60, 50, 100.0)]   // more admitted than units (units sold meanwhile): holds, never goes back
    [InlineData(100.0, 200, 0, 0, 100.0)]     // sold out: nobody more
    [InlineData(105.0, 100, 0, 8, 108.0)]     // an idle room's burst passed 5 places nobody holds yet: they take units too
    public void A_sale_line_admits_no_more_than_its_units_left(double frontier, long lastSequence, long outstanding, long unitsLeft, double cap)
    {
        Assert.Equal(cap, Outflow.SaleCap(frontier, lastSequence, outstanding, unitsLeft));
    }

    /// <summary>
    /// Forty seconds of 50 checkouts a second with <paramref name="inUse"/> of the gate's 10 connections busy, after a
    /// moment short of CPU that ended the slow start.
    /// </summary>
    private static (Outflow Outflow, long Completed) ServeFiftyCheckoutsASecond(int inUse)
    {
        var outflow = new Outflow(new WaitingRoomOptions { MinOutflowPerSecond = 1, MaxOutflowPerSecond = 1000 });
        long completed = 0;
        outflow.Update(Statistics(limit: 10, inUse), completed, TimeSpan.FromSeconds(1));
        outflow.Update(Statistics(limit: 10, inUse), completed, TimeSpan.FromSeconds(1), cpuShort: true);
        Assert.False(outflow.SlowStart);
        for (var second = 0; second < 40; second++)
        {
            completed += 50;
            outflow.Update(Statistics(limit: 10, inUse), completed, TimeSpan.FromSeconds(1));
        }

        return (outflow, completed);
    }

    private static GateStatistics Statistics(int limit, int inUse, IReadOnlyList<RejectionCount>? rejected = null) => new()
    {
        Mode = GuardMode.On,
        PoolName = "test",
        Algorithm = "fixed",
        Limit = limit,
        Floor = 1,
        Ceiling = limit,
        InUse = inUse,
        Idle = 0,
        Waiting = default,
        QueueDelayP50 = TimeSpan.Zero,
        QueueDelayP99 = TimeSpan.Zero,
        Admitted = new PriorityCounts(0, 0, 0),
        Rejected = rejected ?? [],
        Timeouts = 0,
        Retries = 0,
        LeaksSuspected = 0,
    };
}
