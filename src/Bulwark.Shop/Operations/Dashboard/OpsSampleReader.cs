using System.Globalization;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Operations.Metrics;
using Bulwark.Shop.Payments;
using Bulwark.Shop.WaitingRoom;
using static Bulwark.Shop.Operations.Dashboard.OpsInstruments;

namespace Bulwark.Shop.Operations.Dashboard;

/// <summary>
/// Turns one collection of the metrics (running totals) into one dashboard sample (per-second rates and
/// current values), given the totals of the collection before it.
/// </summary>
public sealed class OpsSampleReader(RoutePriorities routes)
{
    /// <summary>What the next reading subtracts from.</summary>
    public sealed record Totals(DateTimeOffset At, PerPriority Requests, PerPriority Errors, PerPriority Shed,
        HistogramTotals? Latency, HistogramTotals? WaitTime, double LetOut);

    public (OpsSample Sample, Totals Totals) Read(CollectedMetrics metrics, Totals? previous, DateTimeOffset now, bool ready)
    {
        // The gate's view of the pool when it publishes one (it counts what it admitted); Npgsql's otherwise.
        var poolMeter = metrics.Has(ConnectionCount, GuardMeter) ? GuardMeter : NpgsqlMeter;
        var pool = new PoolSample(
            Used: metrics.Sum(ConnectionCount, tags => tags[ConnectionState] == "used", poolMeter),
            Idle: metrics.Sum(ConnectionCount, tags => tags[ConnectionState] == "idle", poolMeter),
            Limit: metrics.Has(Limit) ? metrics.Sum(Limit) : null,
            Ceiling: metrics.Has(ConnectionMax, poolMeter) ? metrics.Sum(ConnectionMax, meterName: poolMeter) : null);

        var waiters = PerPriority.Sum(metrics.Points(PendingRequests, GuardMeter), point => PriorityTag(point.Tags), point => point.Value);

        var requests = metrics.Points(RequestDuration).Where(point => point.Histogram is not null).ToList();
        var apiRequests = requests.Where(point => routes.Of(point.Tags[RouteTag]) is not null).ToList();
        var requestCounts = PerPriority.Sum(apiRequests, point => routes.Of(point.Tags[RouteTag]), point => point.Histogram!.Count);
        var errorCounts = PerPriority.Sum(apiRequests.Where(IsServerError), point => routes.Of(point.Tags[RouteTag]), point => point.Histogram!.Count);
        var shedCounts = PerPriority.Sum(
            metrics.Points(Rejected).Where(point => point.Tags[ReasonTag] != RejectionReason.Cancelled.Tag()),
            point => PriorityTag(point.Tags), point => point.Value);
        var latency = metrics.Histogram(RequestDuration, tags => routes.Of(tags[RouteTag]) is not null);
        var waitTime = metrics.Histogram(WaitTime, meterName: GuardMeter);

        var letOut = metrics.Sum(WaitingRoomMetrics.AdmittedInstrument, meterName: ShopTelemetry.MeterName);
        var totals = new Totals(now, requestCounts, errorCounts, shedCounts, latency, waitTime, letOut);
        var seconds = previous is null ? 0 : (now - previous.At).TotalSeconds;
        var latencyWindow = latency?.Since(previous?.Latency);
        var waitWindow = waitTime?.Since(previous?.WaitTime);

        var sample = new OpsSample(
            now,
            pool,
            waiters,
            WaitP99Ms: Milliseconds(waitWindow?.Quantile(0.99)),
            Requests: previous is null ? PerPriority.Zero : requestCounts.RateSince(previous.Requests, seconds),
            Shed: previous is null ? PerPriority.Zero : shedCounts.RateSince(previous.Shed, seconds),
            Errors: previous is null ? PerPriority.Zero : errorCounts.RateSince(previous.Errors, seconds),
            LatencyP50Ms: previous is null ? null : Milliseconds(latencyWindow?.Quantile(0.5)),
            LatencyP99Ms: previous is null ? null : Milliseconds(latencyWindow?.Quantile(0.99)),
            ready,
            PaymentsOpen: metrics.Sum(GatewayCircuit.OpenInstrument, meterName: ShopTelemetry.MeterName) > 0,
            Rooms: new RoomsSample(
                Waiting: metrics.Sum(WaitingRoomMetrics.WaitingInstrument, meterName: ShopTelemetry.MeterName),
                Outflow: metrics.Sum(WaitingRoomMetrics.OutflowInstrument, meterName: ShopTelemetry.MeterName),
                LetOutPerSecond: previous is null || seconds <= 0 ? null : Math.Max(0, letOut - previous.LetOut) / seconds));

        return (sample, totals);
    }

    private static bool IsServerError(MetricPoint point) =>
        int.TryParse(point.Tags[StatusTag], NumberStyles.None, CultureInfo.InvariantCulture, out var status) && status >= 500;

    private static Priority? PriorityTag(TagSet tags) => tags[OpsInstruments.PriorityTag] switch
    {
        "critical" => Priority.Critical,
        "normal" => Priority.Normal,
        "sheddable" => Priority.Sheddable,
        _ => null,
    };

    private static double? Milliseconds(double? seconds) => seconds * 1000;
}
