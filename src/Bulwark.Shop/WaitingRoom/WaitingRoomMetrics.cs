using System.Diagnostics.Metrics;
using Bulwark.Shop.Operations.Metrics;

namespace Bulwark.Shop.WaitingRoom;

/// <summary>
/// The rooms' instruments in the shop's meter: <c>bulwark.waiting_room.waiting{room}</c> (tickets handed out
/// and not yet admitted, as this instance last read them), <c>bulwark.waiting_room.outflow{room}</c> (the rate the
/// line is let out at, as the instance that moves the frontiers last wrote it: the whole cluster's, not to be summed)
/// and <c>bulwark.waiting_room.admitted{room}</c> (counted only by the instance that moved the frontier, so summing
/// instances counts each admission once). The outflow beside the admissions tells a line held back by its rate
/// (slow start, a checkout refused for time, a short CPU) from one with nobody left to admit.
/// </summary>
public sealed class WaitingRoomMetrics : IDisposable
{
    public const string WaitingInstrument = "bulwark.waiting_room.waiting";
    public const string AdmittedInstrument = "bulwark.waiting_room.admitted";
    public const string OutflowInstrument = "bulwark.waiting_room.outflow";

    private readonly Meter _meter;
    private readonly Counter<long> _admitted;

    public WaitingRoomMetrics(IMeterFactory meterFactory, WaitingRooms rooms)
    {
        _meter = meterFactory.Create(ShopTelemetry.MeterName);
        _meter.CreateObservableGauge(WaitingInstrument,
            () => rooms.Lines.Select(pair => new Measurement<long>(rooms.WaitingIn(pair.Key, pair.Value), new KeyValuePair<string, object?>("room", pair.Key))),
            unit: "{ticket}", description: "Buyers in a waiting room's line not yet admitted (0 once its sale is sold out or over).");
        _meter.CreateObservableGauge(OutflowInstrument,
            () => rooms.Lines.Select(pair => new Measurement<double>(rooms.OutflowOf(pair.Key, pair.Value), new KeyValuePair<string, object?>("room", pair.Key))),
            unit: "{ticket}", description: "Buyers a second a waiting room's line is let out at (the cluster's rate, as last written; 0 while the line may not move).");
        _admitted = _meter.CreateCounter<long>(AdmittedInstrument, unit: "{ticket}",
            description: "Tickets a waiting room has admitted to checkout.");
    }

    public void Admitted(string room, long count)
    {
        if (count > 0)
        {
            _admitted.Add(count, new KeyValuePair<string, object?>("room", room));
        }
    }

    public void Dispose() => _meter.Dispose();
}
