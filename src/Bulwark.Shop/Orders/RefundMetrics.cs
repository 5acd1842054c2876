using System.Diagnostics.Metrics;
using Bulwark.Shop.Operations.Metrics;

namespace Bulwark.Shop.Orders;

/// <summary>
/// <c>bulwark.payments.refunds{outcome}</c>: every refund attempt's end (confirmed, refused by the gateway, or
/// left pending for the reconciler); <c>bulwark.payments.refunds.pending</c>: refunds the reconciler found
/// still open at its last pass. A pending count that stays up means the gateway is not confirming refunds.
/// </summary>
public sealed class RefundMetrics
{
    public const string AttemptsInstrument = "bulwark.payments.refunds";
    public const string PendingInstrument = "bulwark.payments.refunds.pending";

    private readonly Counter<long> _attempts;
    private long _pending;

    public RefundMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ShopTelemetry.MeterName);
        _attempts = meter.CreateCounter<long>(AttemptsInstrument, unit: "{refund}",
            description: "Refund attempts by how they ended: confirmed, refused (by the gateway), pending (outcome unknown, left to the reconciler).");
        meter.CreateObservableGauge(PendingInstrument, () => Interlocked.Read(ref _pending), unit: "{order}",
            description: "Orders whose refund outcome was still unknown at the reconciler's last pass.");
    }

    public void Confirmed() => _attempts.Add(1, new KeyValuePair<string, object?>("outcome", "confirmed"));

    public void Refused() => _attempts.Add(1, new KeyValuePair<string, object?>("outcome", "refused"));

    public void Pending() => _attempts.Add(1, new KeyValuePair<string, object?>("outcome", "pending"));

    public void StillPending(long count) => Interlocked.Exchange(ref _pending, count);
}
