using Bulwark.Guard.Deadlines;
using Bulwark.Shop.Payments;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Orders;

/// <summary>
/// Settles refunds whose outcome a request could not learn (gateway timeout or error, open circuit, crash
/// between the refund and its settlement), as <see cref="Checkout.PaymentReconciler"/> does for charges and on
/// its timer: it asks the gateway by the order's refund key and records what it says. When the gateway has
/// nothing under the key, the refund never reached it, and since the claim stands it is sent again under the
/// same key: the gateway's idempotency, not this code, is what makes a resend safe.
/// </summary>
public sealed class RefundReconciler(RefundRecords records, OrderRefunds refunds, PaymentGatewayClient gateway, RefundMetrics metrics,
    IOptions<PaymentsOptions> options, TimeProvider clock, ILogger<RefundReconciler> logger)
{
    private const int BatchSize = 100;

    /// <summary>One pass over the open refunds; answers how many it settled.</summary>
    public async Task<int> ReconcileOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        IReadOnlyList<PendingRefund> pending;
        using (RequestDeadline.Set(clock.GetUtcNow() + settings.CallTimeout))
        {
            (pending, var total) = await records.PendingAsync(settings.ReconcileAfter, BatchSize, cancellationToken);
            metrics.StillPending(total);
        }

        var settled = 0;
        foreach (var order in pending)
        {
            var key = PaymentGatewayClient.RefundKeyFor(order.OrderId);
            PaymentOutcome outcome;
            using (RequestDeadline.Set(clock.GetUtcNow() + settings.CallTimeout))
            {
                outcome = await gateway.LookupRefundAsync(key, cancellationToken);
                if (outcome.Result == PaymentResult.NotFound)
                {
                    outcome = await gateway.RefundAsync(new RefundRequest(order.ChargeId, order.TotalCents, key), cancellationToken);
                }
            }

            if (outcome.Result is not (PaymentResult.Succeeded or PaymentResult.Declined))
            {
                continue; // still unknown: the next pass asks again
            }

            using (RequestDeadline.Set(clock.GetUtcNow() + settings.CallTimeout))
            {
                await refunds.SettleAsync(order.OrderId, outcome, cancellationToken);
            }

            settled++;
            logger.LogInformation("Reconciled the refund of order {OrderId}: {Result}", order.OrderId, outcome.Result);
        }

        return settled;
    }
}
