using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Limits;
using Bulwark.Guard.Tests.Simulation;
using Bulwark.Guard.Tests.Support;

namespace Bulwark.Guard.Tests.Edge;

public sealed class LoadSheddingTests
{
    private readonly VirtualClock _clock = new();

    private ConcurrencyGate BusyGate(GateSettings settings, int waiters, out Permit[] running)
    {
        var gate = new ConcurrencyGate(settings, 10, _clock);
        Assert.True(gate.TryEnter(Priority.Normal, out var first));
        _clock.RunUntil(_clock.Now + TimeSpan.FromMilliseconds(10));
        gate.Exit(first, LeaseOutcome.Completed); // work takes ~10 ms

        running = new Permit[2];
        Assert.True(gate.TryEnter(Priority.Normal, out running[0]));
        Assert.True(gate.TryEnter(Priority.Normal, out running[1]));
        for (var i = 0; i < waiters; i++)
        {
            gate.Enqueue(new RecordingWaiter(Priority.Normal, gate.TimestampIn(TimeSpan.FromSeconds(2))));
        }

        return gate;
    }

    private static readonly GateSettings TwoSlots = new() { Algorithm = LimitAlgorithms.Fixed, InitialLimit = 2, Floor = 1, ReservedCriticalShare = 0 };

    [Fact]
    public void An_idle_gate_never_sheds()
    {
        var gate = new ConcurrencyGate(TwoSlots, 10, _clock);
        foreach (var priority in new[] { Priority.Critical, Priority.Normal, Priority.Sheddable })
        {
            Assert.False(LoadShedding.ShouldShed(gate, TwoSlots, priority, out _));
        }
    }

    [Fact]
    public void A_burst_on_a_calm_gate_queues_up_to_its_allowance_instead_of_being_shed()
    {
        // Ten waiters × 10 ms over two slots: ~50 ms of queue. Above normal's 10 ms target, but a burst:
        // within its allowance (min(ShedAfter, 10 × target) = 100 ms), so it queues.
        var gate = BusyGate(TwoSlots, 10, out _);
        Assert.False(LoadShedding.ShouldShed(gate, TwoSlots, Priority.Normal, out _));
        Assert.False(LoadShedding.ShouldShed(gate, TwoSlots, Priority.Critical, out _));

        // Thirty: ~150 ms, beyond any allowance: shed at once, with the time the queue needs to drain.
        var crowded = BusyGate(TwoSlots, 30, out _);
        Assert.True(LoadShedding.ShouldShed(crowded, TwoSlots, Priority.Normal, out var retryAfter));
        Assert.InRange(retryAfter, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200));
        Assert.False(LoadShedding.ShouldShed(crowded, TwoSlots, Priority.Critical, out _));
    }

    [Fact]
    public void A_queue_that_stands_above_its_target_for_shed_after_is_shed_at_the_target()
    {
        var gate = BusyGate(TwoSlots, 10, out var running);
        Assert.False(LoadShedding.ShouldShed(gate, TwoSlots, Priority.Normal, out _));

        // The first waiter leaves the line 20 ms late (over the 10 ms target), and the queue still stands
        // ShedAfter (100 ms) later, when the next one leaves: no longer a burst.
        _clock.RunUntil(_clock.Now + TimeSpan.FromMilliseconds(20));
        gate.Exit(running[0], LeaseOutcome.Completed);
        _clock.RunUntil(_clock.Now + TwoSlots.ShedAfter);
        gate.Exit(running[1], LeaseOutcome.Completed);

        Assert.True(LoadShedding.ShouldShed(gate, TwoSlots, Priority.Normal, out _));
    }

    [Fact]
    public void Once_a_priority_was_shed_the_next_arrivals_are_judged_by_its_target_alone()
    {
        var gate = BusyGate(TwoSlots, 10, out _);
        Assert.False(LoadShedding.ShouldShed(gate, TwoSlots, Priority.Normal, out _));

        ((IGatePressure)gate).RecordRejection(Priority.Normal, RejectionReason.QueueDelay);

        Assert.True(LoadShedding.ShouldShed(gate, TwoSlots, Priority.Normal, out _));
        Assert.False(LoadShedding.ShouldShed(gate, TwoSlots with { ShedAfter = TimeSpan.Zero }, Priority.Critical, out _));
    }

    [Fact]
    public void Without_shed_after_the_target_alone_decides()
    {
        var instant = TwoSlots with { ShedAfter = TimeSpan.Zero };
        var gate = BusyGate(instant, 10, out _);
        Assert.True(LoadShedding.ShouldShed(gate, instant, Priority.Normal, out _));
        Assert.True(LoadShedding.ShouldShed(gate, instant, Priority.Sheddable, out _));
        Assert.False(LoadShedding.ShouldShed(gate, instant, Priority.Critical, out _));
    }

    [Fact]
    public void A_cpu_queue_over_the_target_sheds_even_a_calm_gate_and_cached_reads_past_their_allowance()
    {
        var gate = new ConcurrencyGate(TwoSlots, 10, _clock);
        var busy = CpuDelay.Steady(TimeSpan.FromMilliseconds(150));

        // The process runs queued work 150 ms late throughout: past every priority's target.
        Assert.True(LoadShedding.ShouldShed(gate, TwoSlots, Priority.Normal, busy, out var retryAfter));
        Assert.True(retryAfter > TimeSpan.Zero);
        Assert.True(LoadShedding.ShouldShed(gate, TwoSlots, Priority.Critical, busy, out _));
        Assert.True(LoadShedding.ShouldShedCached(TwoSlots, Priority.Sheddable, busy, out _));

        // Lateness under the targets is not overload.
        var calm = CpuDelay.Steady(TimeSpan.FromMilliseconds(20));
        Assert.False(LoadShedding.ShouldShed(gate, TwoSlots, Priority.Normal, calm, out _));
        Assert.False(LoadShedding.ShouldShedCached(TwoSlots, Priority.Sheddable, calm, out _));
    }

    [Fact]
    public void The_cpu_is_judged_by_its_standing_delay_not_by_a_spike_nor_sheltered_by_the_gates_burst_allowance()
    {
        var gate = new ConcurrencyGate(TwoSlots, 10, _clock);

        // A spike (a GC pause, a neighbour's burst): smoothed 90 ms, but the last 100 ms had a sample on time.
        var spike = new CpuDelay(TimeSpan.FromMilliseconds(90), TimeSpan.FromMilliseconds(1));
        Assert.False(LoadShedding.ShouldShed(gate, TwoSlots, Priority.Critical, spike, out _));
        Assert.False(LoadShedding.ShouldShed(gate, TwoSlots, Priority.Normal, spike, out _));

        // 120 ms that never went away sheds critical work with the connections calm (the gate's burst allowance no
        // longer shelters it); 60 ms standing sheds normal work (target 50 ms) but not critical (100 ms).
        Assert.True(LoadShedding.ShouldShed(gate, TwoSlots, Priority.Critical, CpuDelay.Steady(TimeSpan.FromMilliseconds(120)), out _));
        var standing = CpuDelay.Steady(TimeSpan.FromMilliseconds(60));
        Assert.True(LoadShedding.ShouldShed(gate, TwoSlots, Priority.Normal, standing, out _));
        Assert.False(LoadShedding.ShouldShed(gate, TwoSlots, Priority.Critical, standing, out _));
    }

    [Fact]
    public void The_standing_delay_is_the_floor_of_the_last_hundred_milliseconds()
    {
        using var delay = new ProcessingDelay(_clock);
        for (var i = 0; i < 9; i++)
        {
            delay.Record(TimeSpan.FromMilliseconds(40));
        }

        delay.Record(TimeSpan.FromMilliseconds(2));
        Assert.Equal(2, delay.Standing.TotalMilliseconds, 6); // one on-time sample in the window: no standing queue

        for (var i = 0; i < 9; i++)
        {
            delay.Record(TimeSpan.FromMilliseconds(40));
        }

        Assert.Equal(2, delay.Standing.TotalMilliseconds, 6);
        delay.Record(TimeSpan.FromMilliseconds(35));
        Assert.Equal(35, delay.Standing.TotalMilliseconds, 6); // ten late samples in a row: it stands
        Assert.Equal(delay.Standing, delay.Reading.Standing);
    }

    [Fact]
    public void Processing_delay_follows_lateness_smoothed_over_a_few_samples()
    {
        using var delay = new ProcessingDelay(_clock);
        Assert.Equal(TimeSpan.Zero, delay.Current);
        delay.Record(TimeSpan.FromMilliseconds(200));
        Assert.True(delay.Current <= TimeSpan.FromMilliseconds(20), "one hiccup is not overload");
        for (var i = 0; i < 60; i++)
        {
            delay.Record(TimeSpan.FromMilliseconds(100));
        }

        Assert.InRange(delay.Current.TotalMilliseconds, 99, 100.01);
        delay.Record(TimeSpan.Zero);
        Assert.InRange(delay.Current.TotalMilliseconds, 85, 95); // one on-time sample does not end overload
        for (var i = 0; i < 60; i++)
        {
            delay.Record(TimeSpan.Zero);
        }

        Assert.True(delay.Current < TimeSpan.FromMilliseconds(1));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(300, 1)]
    [InlineData(1000, 1)]
    [InlineData(1001, 2)]
    [InlineData(4200, 5)]
    public void Retry_after_is_whole_seconds_rounded_up_and_at_least_one(int milliseconds, int seconds) =>
        Assert.Equal(seconds, LoadShedding.RetryAfterSeconds(TimeSpan.FromMilliseconds(milliseconds)));
}
