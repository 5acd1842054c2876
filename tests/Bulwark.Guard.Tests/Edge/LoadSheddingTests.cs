using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Limits;
using Bulwark.Guard.Tests.Simulation;
using Bulwark.Guard.Tests.Support;

namespace Bulwark.Guard.Tests.Edge;

public sealed class LoadSheddingTests
{
    private readonly VirtualClock _clock = new();

    [Fact]
    public void Sheds_a_priority_only_while_its_queue_delay_exceeds_its_target_and_says_when_to_come_back()
    {
        var settings = new GateSettings { Algorithm = LimitAlgorithms.Fixed, InitialLimit = 2, Floor = 1, ReservedCriticalShare = 0 };
        var gate = new ConcurrencyGate(settings, 10, _clock);
        Assert.True(gate.TryEnter(Priority.Normal, out var first));
        _clock.RunUntil(TimeSpan.FromMilliseconds(10));
        gate.Exit(first, LeaseOutcome.Completed); // work takes ~10 ms

        Assert.False(LoadShedding.ShouldShed(gate, settings, Priority.Sheddable, out _));

        Assert.True(gate.TryEnter(Priority.Normal, out _));
        Assert.True(gate.TryEnter(Priority.Normal, out _));
        for (var i = 0; i < 10; i++)
        {
            gate.Enqueue(new RecordingWaiter(Priority.Normal, gate.TimestampIn(TimeSpan.FromSeconds(2))));
        }

        // Ten waiters × 10 ms over two slots: ~50 ms of queue, over sheddable's 5 ms and normal's 10 ms
        // targets, far under critical's 500 ms.
        Assert.True(LoadShedding.ShouldShed(gate, settings, Priority.Sheddable, out var retryAfter));
        Assert.InRange(retryAfter, TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(60));
        Assert.True(LoadShedding.ShouldShed(gate, settings, Priority.Normal, out _));
        Assert.False(LoadShedding.ShouldShed(gate, settings, Priority.Critical, out _));
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
