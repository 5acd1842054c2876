using Bulwark.Guard.Gate;
using Bulwark.Shop.WaitingRoom;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Shop.Tests.WaitingRoom;

/// <summary>When every checkout must go through the general room: checkout over capacity for a while, not a burst.</summary>
public sealed class GeneralRoomTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
    private readonly Pressure _pressure = new();
    private readonly WaitingRooms _rooms;

    public GeneralRoomTests() =>
        _rooms = new WaitingRooms(Options.Create(new WaitingRoomOptions()), _clock, _pressure, new Control());

    [Fact]
    public void A_queue_that_stands_over_the_target_for_a_second_requires_the_general_room()
    {
        _pressure.Delay = TimeSpan.FromMilliseconds(40);
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromSeconds(1); elapsed += Tick)
        {
            _rooms.SampleCheckoutPressure();
            Assert.False(_rooms.GeneralRoomRequired);
            _clock.Advance(Tick);
        }

        _rooms.SampleCheckoutPressure();
        Assert.True(_rooms.GeneralRoomRequired);

        // As soon as the queue is back under the line and nobody waits in the room, checkout is free again.
        _pressure.Delay = TimeSpan.Zero;
        _rooms.SampleCheckoutPressure();
        Assert.False(_rooms.GeneralRoomRequired);
    }

    [Fact]
    public void A_burst_the_gate_absorbs_does_not_send_checkouts_to_the_room()
    {
        _pressure.Delay = TimeSpan.FromMilliseconds(400);
        _pressure.Absorbing = true;
        for (var i = 0; i < 20; i++)
        {
            _rooms.SampleCheckoutPressure();
            _clock.Advance(Tick);
        }

        Assert.False(_rooms.GeneralRoomRequired);
    }

    [Fact]
    public void People_waiting_in_the_general_room_keep_it_required_until_they_are_through()
    {
        _rooms.Line(WaitingRooms.GeneralRoom).Observe(frontier: 3, lastSequence: 5, outflow: 1);
        Assert.True(_rooms.GeneralRoomRequired);
        _rooms.Line(WaitingRooms.GeneralRoom).Observe(frontier: 5, lastSequence: 5, outflow: 1);
        Assert.False(_rooms.GeneralRoomRequired);
    }

    private sealed class Pressure : IGatePressure
    {
        public TimeSpan Delay { get; set; }

        public bool Absorbing { get; set; }

        public TimeSpan EstimatedQueueDelay(Priority priority) => priority == Priority.Critical ? Delay : TimeSpan.Zero;

        public TimeSpan EstimatedDrainTime(Priority priority, TimeSpan target) => TimeSpan.Zero;

        public bool AbsorbingBurst(Priority priority, TimeSpan target, TimeSpan interval) => Absorbing;

        public void RecordRejection(Priority priority, RejectionReason reason)
        {
        }
    }

    private sealed class Control : IGateControl
    {
        public GateSettings Settings { get; } = new();

        public int ServerCeiling => 10;

        public void Apply(GateSettings settings)
        {
        }

        public void SetShare(int connections)
        {
        }

        public Task<int> RefreshCeilingAsync(CancellationToken cancellationToken) => Task.FromResult(10);
    }
}
