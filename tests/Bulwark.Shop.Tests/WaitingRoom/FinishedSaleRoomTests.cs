using Bulwark.Shop.WaitingRoom;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Shop.Tests.WaitingRoom;

/// <summary>
/// A sale's line moves nobody before the sale opens and after it sold out or ended: it takes no share of checkout from
/// the rooms that move, and its gauges say nobody waits in it once it is over and nothing is let out while it is shut.
/// </summary>
public sealed class FinishedSaleRoomTests
{
    private const long SaleId = 11;
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Now);
    private readonly WaitingRooms _rooms;
    private readonly string _saleRoom = WaitingRooms.SaleRoom(SaleId);

    public FinishedSaleRoomTests()
    {
        _rooms = new WaitingRooms(Options.Create(new WaitingRoomOptions()), _clock, new IdleGate(), new IdleGate());
        _rooms.Line(WaitingRooms.GeneralRoom).Observe(frontier: 10, lastSequence: 15, outflow: 40);
        _rooms.Line(_saleRoom).Observe(frontier: 500, lastSequence: 1500, outflow: 200);
    }

    [Fact]
    public void An_open_sale_with_buyers_in_line_shares_checkout_with_the_general_room_and_reports_its_line()
    {
        _rooms.Remember(SaleId, Sale(startsIn: TimeSpan.FromMinutes(-1), endsIn: TimeSpan.FromHours(1), unitsLeft: 20));

        AssertSaleRoom(roomsSharing: 2, waiting: 1000, outflow: 200);
    }

    [Fact]
    public void A_sold_out_sale_leaves_checkout_to_the_general_room_and_reports_nobody_waiting_and_nothing_let_out()
    {
        _rooms.Remember(SaleId, Sale(startsIn: TimeSpan.FromMinutes(-1), endsIn: TimeSpan.FromHours(1), unitsLeft: 0));

        AssertSaleRoom(roomsSharing: 1, waiting: 0, outflow: 0);
        Assert.Equal(5, _rooms.WaitingIn(WaitingRooms.GeneralRoom, _rooms.Line(WaitingRooms.GeneralRoom)));
        Assert.Equal(40, _rooms.OutflowOf(WaitingRooms.GeneralRoom, _rooms.Line(WaitingRooms.GeneralRoom)));
    }

    [Fact]
    public void A_sale_not_open_yet_takes_no_share_but_its_early_buyers_are_counted_as_waiting()
    {
        _rooms.Remember(SaleId, Sale(startsIn: TimeSpan.FromMinutes(1), endsIn: TimeSpan.FromHours(1), unitsLeft: 20));

        AssertSaleRoom(roomsSharing: 1, waiting: 1000, outflow: 0);
    }

    [Fact]
    public void A_sale_this_instance_has_not_read_yet_is_not_taken_for_gone()
    {
        Assert.False(_rooms.SaleIsOver(SaleId));
        AssertSaleRoom(roomsSharing: 1, waiting: 1000, outflow: 0);
    }

    [Fact]
    public void A_sale_whose_window_ended_or_that_was_deleted_reports_nobody_waiting()
    {
        _rooms.Remember(SaleId, Sale(startsIn: TimeSpan.FromMinutes(-1), endsIn: TimeSpan.FromMinutes(1), unitsLeft: 20));
        _clock.Advance(TimeSpan.FromMinutes(1));
        AssertSaleRoom(roomsSharing: 1, waiting: 0, outflow: 0);

        _rooms.Remember(SaleId, null);
        Assert.Equal(0, _rooms.WaitingIn(_saleRoom, _rooms.Line(_saleRoom)));
    }

    private void AssertSaleRoom(int roomsSharing, long waiting, double outflow)
    {
        Assert.Equal(roomsSharing, _rooms.RoomsSharingCheckout);
        Assert.Equal(waiting, _rooms.WaitingIn(_saleRoom, _rooms.Line(_saleRoom)));
        Assert.Equal(outflow, _rooms.OutflowOf(_saleRoom, _rooms.Line(_saleRoom)));
    }

    private static SaleQueueState Sale(TimeSpan startsIn, TimeSpan endsIn, long unitsLeft) =>
        new(SaleId, Now + startsIn, Now + endsIn, unitsLeft);
}
