using Bulwark.Guard.Bulkheads;
using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Tests.Bulkheads;

public sealed class BulkheadTests
{
    [Fact]
    public async Task Work_beyond_the_limit_waits_its_turn_and_runs_when_a_slot_frees()
    {
        var bulkhead = new Bulkhead("cpu", 1, TimeProvider.System, TimeSpan.FromSeconds(30));
        using var release = new ManualResetEventSlim();
        var first = Task.Run(async () => await bulkhead.RunAsync(Priority.Normal, () => { release.Wait(); return 1; }, CancellationToken.None));
        await WaitUntilAsync(() => bulkhead.InFlight == 1);

        var second = bulkhead.RunAsync(Priority.Normal, () => 2, CancellationToken.None).AsTask();
        await WaitUntilAsync(() => bulkhead.Waiting == 1);
        Assert.False(second.IsCompleted);

        release.Set();
        var results = await Task.WhenAll(first, second);
        Assert.Equal(new[] { 1, 2 }, results);
        Assert.Equal(0, bulkhead.InFlight);
    }

    [Fact]
    public async Task The_work_runs_on_a_thread_of_its_own_never_on_the_callers_or_a_pool_thread()
    {
        // A hash holding a pool worker for tens of milliseconds starves every continuation behind it where the pool has
        // as few workers as cores: the bulkhead's work must leave both the caller's thread and the thread pool.
        var bulkhead = new Bulkhead("cpu", 1, TimeProvider.System, TimeSpan.FromSeconds(30));
        var caller = Environment.CurrentManagedThreadId;

        var (thread, pooled) = await bulkhead.RunAsync(Priority.Normal,
            () => (Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread), CancellationToken.None);

        Assert.NotEqual(caller, thread);
        Assert.False(pooled);
    }

    [Fact]
    public async Task Work_that_cannot_start_before_its_request_deadline_is_refused_not_run()
    {
        var bulkhead = new Bulkhead("cpu", 1, TimeProvider.System, TimeSpan.FromSeconds(30));
        using var release = new ManualResetEventSlim();
        var holder = Task.Run(async () => await bulkhead.RunAsync(Priority.Normal, () => { release.Wait(); return 1; }, CancellationToken.None));
        await WaitUntilAsync(() => bulkhead.InFlight == 1);

        var ran = false;
        using (RequestDeadline.Set(DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(100)))
        {
            var refused = await Assert.ThrowsAsync<AdmissionRejectedException>(async () =>
                await bulkhead.RunAsync(Priority.Normal, () => ran = true, CancellationToken.None));
            Assert.Equal(Priority.Normal, refused.Priority);
            Assert.Equal(RejectionReason.Expired, refused.Reason);
            Assert.True(refused.RetryAfter >= TimeSpan.Zero);
        }

        release.Set();
        await holder;
        Assert.False(ran);
        Assert.Equal(1, bulkhead.Counters!.RejectedCount(Priority.Normal, RejectionReason.Expired));
    }

    [Fact]
    public async Task Work_that_would_leave_less_than_the_reserve_before_the_deadline_is_refused_even_with_a_free_slot()
    {
        var bulkhead = new Bulkhead("cpu", 2, TimeProvider.System, TimeSpan.FromSeconds(30), deadlineReserve: TimeSpan.FromMilliseconds(500));
        var ran = false;
        using (RequestDeadline.Set(DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(400)))
        {
            var refused = await Assert.ThrowsAsync<AdmissionRejectedException>(async () =>
                await bulkhead.RunAsync(Priority.Normal, () => ran = true, CancellationToken.None));
            Assert.Equal(RejectionReason.DeadlineUnmeetable, refused.Reason);
        }

        Assert.False(ran);
        Assert.Equal(0, bulkhead.InFlight);
        Assert.Equal(1, bulkhead.Counters!.RejectedCount(Priority.Normal, RejectionReason.DeadlineUnmeetable));

        using (RequestDeadline.Set(DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(1500)))
        {
            Assert.True(await bulkhead.RunAsync(Priority.Normal, () => true, CancellationToken.None));
        }
    }

    [Fact]
    public async Task A_waiter_is_let_go_when_it_can_no_longer_end_the_reserve_before_its_deadline()
    {
        var bulkhead = new Bulkhead("cpu", 1, TimeProvider.System, TimeSpan.FromSeconds(30), deadlineReserve: TimeSpan.FromMilliseconds(2500));
        using var release = new ManualResetEventSlim();
        var holder = Task.Run(async () => await bulkhead.RunAsync(Priority.Normal, () => { release.Wait(); return 1; }, CancellationToken.None));
        await WaitUntilAsync(() => bulkhead.InFlight == 1);

        var ran = false;
        Task waiting;
        using (RequestDeadline.Set(DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(3000)))
        {
            waiting = bulkhead.RunAsync(Priority.Normal, () => ran = true, CancellationToken.None).AsTask();
        }

        // The waiter gives up about 500 ms in (deadline less the reserve), long before the deadline itself. The margin
        // is wide because a busy CI machine fires timers late: 300 ms in a 900 ms window once failed there.
        var refused = await Assert.ThrowsAsync<AdmissionRejectedException>(() => waiting.WaitAsync(TimeSpan.FromMilliseconds(2900)));
        Assert.NotEqual(RejectionReason.QueueFull, refused.Reason);
        release.Set();
        await holder;
        Assert.False(ran);
    }

    [Fact]
    public async Task An_unbounded_bulkhead_runs_everything_at_once()
    {
        var bulkhead = new Bulkhead("cpu", null, TimeProvider.System, TimeSpan.FromSeconds(30));
        using var release = new ManualResetEventSlim();
        var running = 0;
        var tasks = Enumerable.Range(0, 8).Select(_ => Task.Run(async () => await bulkhead.RunAsync(Priority.Sheddable, () =>
        {
            Interlocked.Increment(ref running);
            release.Wait();
            return 0;
        }, CancellationToken.None))).ToArray();
        await WaitUntilAsync(() => Volatile.Read(ref running) == 8);
        release.Set();
        await Task.WhenAll(tasks);
        Assert.Null(bulkhead.Limit);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
