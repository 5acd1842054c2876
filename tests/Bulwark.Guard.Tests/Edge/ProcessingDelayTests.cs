using Bulwark.Guard.Edge;

namespace Bulwark.Guard.Tests.Edge;

public sealed class ProcessingDelayTests
{
    [Fact]
    public void A_first_sample_that_fires_while_the_timer_is_being_created_does_not_break_the_start()
    {
        // On a starved machine the timer thread can run the first callback before CreateTimer returns;
        // the shop once died at start of exactly this (a NullReferenceException on the timer thread).
        using var delay = new ProcessingDelay(new EagerTimerClock());

        Assert.True(delay.Current >= TimeSpan.Zero);
    }

    /// <summary>A timer created with a due time fires once before CreateTimer returns, as a preempted creator may see.</summary>
    private sealed class EagerTimerClock : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = System.CreateTimer(callback, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                callback(state);
            }

            timer.Change(dueTime, period);
            return timer;
        }
    }
}
