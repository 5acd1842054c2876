using Bulwark.Guard.Bulkheads;
using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Tests.Simulation;

namespace Bulwark.Guard.Tests.Bulkheads;

public sealed class DutyCycleTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void A_full_bucket_lets_the_burst_run_back_to_back_then_paces_at_the_share()
    {
        var clock = new VirtualClock();
        var cycle = new DutyCycle(0.25, 100 * Ms, clock);

        // Four 25 ms pieces spend the 100 ms burst without waiting.
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(TimeSpan.Zero, cycle.WaitBeforeStart());
            cycle.Charge(25 * Ms);
        }

        // The next one ran into debt: 25 ms of work at a quarter share is 100 ms of waiting.
        Assert.Equal(TimeSpan.Zero, cycle.WaitBeforeStart());
        cycle.Charge(25 * Ms);
        Assert.Equal(100 * Ms, cycle.WaitBeforeStart());

        clock.RunUntil(clock.Now + 60 * Ms);
        Assert.Equal(40 * Ms, cycle.WaitBeforeStart());
        clock.RunUntil(clock.Now + 41 * Ms);
        Assert.Equal(TimeSpan.Zero, cycle.WaitBeforeStart());
    }

    [Fact]
    public void A_quiet_spell_refills_the_bucket_only_up_to_the_burst()
    {
        var clock = new VirtualClock();
        var cycle = new DutyCycle(0.5, 50 * Ms, clock);

        clock.RunUntil(TimeSpan.FromHours(1));
        cycle.Charge(50 * Ms);
        cycle.Charge(10 * Ms);

        Assert.Equal(20 * Ms, cycle.WaitBeforeStart());
    }

    [Fact]
    public void While_nobody_else_wants_the_cpu_work_runs_freely_and_leaves_no_debt_for_when_somebody_does()
    {
        var clock = new VirtualClock();
        var contended = false;
        var cycle = new DutyCycle(0.25, 50 * Ms, clock, () => contended);

        // An idle shop signing up forty people at once: a second of hashing, none of it paced.
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(TimeSpan.Zero, cycle.WaitBeforeStart());
            cycle.Charge(25 * Ms);
        }

        // The CPU gets busy: the share holds from an empty bucket, not from the second run before.
        contended = true;
        Assert.Equal(TimeSpan.Zero, cycle.WaitBeforeStart());
        cycle.Charge(25 * Ms);
        Assert.Equal(100 * Ms, cycle.WaitBeforeStart());
    }

    [Fact]
    public void Work_is_charged_by_the_cpu_time_it_used_not_the_wall_time_it_took()
    {
        var clock = new VirtualClock();
        var cpu = TimeSpan.Zero;
        var cycle = new DutyCycle(0.25, 10 * Ms, clock, cpuTime: () => cpu);

        // A hash that took 100 ms on a core it shared with others but used 30 ms of it: 20 ms of debt, not 90.
        var answer = cycle.Run(() =>
        {
            clock.RunUntil(clock.Now + 100 * Ms);
            cpu += 30 * Ms;
            return 42;
        });

        Assert.Equal(42, answer);
        Assert.Equal(80 * Ms, cycle.WaitBeforeStart());
    }

    [Fact]
    public void Without_a_cpu_clock_work_is_charged_by_the_wall_time_it_took()
    {
        var clock = new VirtualClock();
        var cycle = new DutyCycle(0.25, 10 * Ms, clock, cpuTime: () => null);

        cycle.Run(() =>
        {
            clock.RunUntil(clock.Now + 100 * Ms);
            return 0;
        });

        // Charged 100 ms from a full 10 ms bucket: 90 ms of debt, 360 ms at a quarter.
        Assert.Equal(360 * Ms, cycle.WaitBeforeStart());
    }

    [Fact]
    public async Task A_bulkhead_paces_its_work_to_the_share_and_refuses_at_once_what_could_not_start_by_its_deadline()
    {
        var clock = new VirtualClock();
        var bulkhead = new Bulkhead("cpu", 1, clock, TimeSpan.FromSeconds(30), dutyCycle: new DutyCycle(0.5, 50 * Ms, clock));
        var ran = 0;
        int Hash()
        {
            // The hash itself takes 100 ms of the clock.
            clock.RunUntil(clock.Now + 100 * Ms);
            return ++ran;
        }

        Assert.Equal(1, await bulkhead.RunAsync(Priority.Normal, Hash, CancellationToken.None));

        // 50 ms of debt at half a core: the next hash may start 100 ms from now. A sign-in with 60 ms left is
        // refused at once, told when to come back, and nothing runs.
        using (RequestDeadline.Set(clock.GetUtcNow() + 60 * Ms))
        {
            var refused = await Assert.ThrowsAsync<AdmissionRejectedException>(async () =>
                await bulkhead.RunAsync(Priority.Normal, Hash, CancellationToken.None));
            Assert.Equal(RejectionReason.DeadlineUnmeetable, refused.Reason);
            Assert.Equal(100 * Ms, refused.RetryAfter);
        }

        Assert.Equal(1, ran);
        Assert.Equal(0, bulkhead.InFlight);

        // One with time to spare waits its turn, holding the permit, and runs when the debt is paid.
        Task<int> waiting;
        using (RequestDeadline.Set(clock.GetUtcNow() + TimeSpan.FromSeconds(2)))
        {
            waiting = bulkhead.RunAsync(Priority.Normal, Hash, CancellationToken.None).AsTask();
        }

        clock.RunUntil(clock.Now + 99 * Ms);
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, bulkhead.InFlight);

        clock.RunUntil(clock.Now + 1 * Ms);
        Assert.Equal(2, await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
