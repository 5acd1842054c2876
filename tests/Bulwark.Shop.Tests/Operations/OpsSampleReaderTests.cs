using Bulwark.Shop.Operations.Dashboard;
using Bulwark.Shop.Operations.Metrics;
using Bulwark.Shop.WaitingRoom;
using Microsoft.AspNetCore.Routing;

namespace Bulwark.Shop.Tests.Operations;

public sealed class OpsSampleReaderTests
{
    [Fact]
    public void The_waiting_rooms_are_summed_over_rooms_and_buyers_let_out_read_as_a_rate()
    {
        var reader = new OpsSampleReader(new RoutePriorities(new DefaultEndpointDataSource()));
        var start = DateTimeOffset.UnixEpoch;
        var (first, totals) = reader.Read(Rooms(general: (3, 10, 40), sale: (500, 100, 200)), null, start, ready: true);
        var (second, _) = reader.Read(Rooms(general: (1, 10, 44), sale: (300, 120, 396)), totals, start.AddSeconds(2), ready: true);

        // The first reading has nothing to take a rate from; the line and the outflow are what they are.
        Assert.Equal(new RoomsSample(503, 110, null), first.Rooms);
        // (44 + 396) - (40 + 200) let out in 2 s.
        Assert.Equal(new RoomsSample(301, 130, 100), second.Rooms);
    }

    private static CollectedMetrics Rooms((double Waiting, double Outflow, double Admitted) general, (double Waiting, double Outflow, double Admitted) sale)
    {
        static MetricPoint Room(string room, double value) =>
            new(TagSet.From([new KeyValuePair<string, object?>("room", room)]), value);

        InstrumentSnapshot Instrument(string name, Func<(double Waiting, double Outflow, double Admitted), double> value) =>
            new(ShopTelemetry.MeterName, name, "{ticket}", [Room(WaitingRooms.GeneralRoom, value(general)), Room("sale-7", value(sale))]);

        return new CollectedMetrics(
        [
            Instrument(WaitingRoomMetrics.WaitingInstrument, room => room.Waiting),
            Instrument(WaitingRoomMetrics.OutflowInstrument, room => room.Outflow),
            Instrument(WaitingRoomMetrics.AdmittedInstrument, room => room.Admitted),
        ]);
    }
}
