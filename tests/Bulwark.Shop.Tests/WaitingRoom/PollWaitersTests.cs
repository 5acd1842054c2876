using Bulwark.Shop.Tests.Checkout;
using Bulwark.Shop.WaitingRoom;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Shop.Tests.WaitingRoom;

public sealed class PollWaitersTests
{
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private readonly PollWaiters _waiters = new();

    private Task HoldAsync(long sequence, Func<bool>? stillWaiting = null) =>
        _waiters.WaitAsync(sequence, Hold, _clock, stillWaiting ?? (() => true), CancellationToken.None);

    [Fact]
    public async Task A_frontier_wakes_the_places_it_passed_and_no_others()
    {
        var tenth = HoldAsync(10);
        var twentieth = HoldAsync(20);

        _waiters.Release(9);
        Assert.False(tenth.IsCompleted);
        _waiters.Release(15);
        await tenth.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(twentieth.IsCompleted);

        // A place the frontier already passed is not held at all.
        Assert.True(HoldAsync(12).IsCompleted);
        _waiters.ReleaseAll();
        await twentieth.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_hold_ends_when_it_runs_out_and_not_before()
    {
        var held = HoldAsync(10);
        _clock.Advance(Hold - TimeSpan.FromMilliseconds(1));
        Assert.False(held.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await held.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_change_between_the_callers_look_and_the_registration_is_not_slept_through()
    {
        // The sale sold out after the poll looked and before it registered: the second look sees it.
        Assert.True(HoldAsync(10, stillWaiting: () => false).IsCompleted);
    }

    [Fact]
    public async Task Timed_out_polls_far_back_in_line_do_not_pile_up()
    {
        for (var round = 0; round < 20; round++)
        {
            var holds = Enumerable.Range(0, 100).Select(i => HoldAsync(1_000 + i)).ToList();
            _clock.Advance(Hold);
            await Task.WhenAll(holds).WaitAsync(TimeSpan.FromSeconds(5));
        }

        // 2,000 polls timed out; the queue keeps no more than a few hundred of them.
        Assert.InRange(_waiters.Count, 0, 400);
        var live = HoldAsync(1_050);
        _waiters.Release(1_050);
        await live.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
