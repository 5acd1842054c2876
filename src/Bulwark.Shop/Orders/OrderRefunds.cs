using Bulwark.Shop.Payments;

namespace Bulwark.Shop.Orders;

/// <summary>What one refund (or cancellation) request came to.</summary>
public abstract record RefundResult
{
    /// <summary>The gateway confirmed it; the order is refunded (or cancelled) and its stock is back.</summary>
    public sealed record Done : RefundResult;

    /// <summary>Claimed, but the outcome is not known yet (gateway timeout, error or open circuit): the reconciler settles it.</summary>
    public sealed record Pending : RefundResult;

    /// <summary>The gateway refused the refund outright; nothing moved and the order is paid again.</summary>
    public sealed record Refused(string Detail) : RefundResult;

    /// <summary>The gateway's circuit is open: nothing was claimed or sent.</summary>
    public sealed record PaymentsUnavailable(TimeSpan RetryAfter) : RefundResult;

    /// <summary>Not claimed: no such order, or it is not a paid order within the window (the claim says which).</summary>
    public sealed record NotClaimed(RefundClaim Claim) : RefundResult;
}

/// <summary>
/// A refund, the checkout hot path in reverse: claim (short transaction) → refund at the gateway under the
/// order's refund key (no connection held) → settle (short transaction, stock back). Whatever happens
/// between, the order ends refunded with its stock back once, or paid again when the gateway refused, or
/// stays refund_pending for the reconciler; it is never refunded twice because the gateway knows one key per order.
/// </summary>
public sealed class OrderRefunds(RefundRecords records, PaymentGatewayClient gateway, GatewayCircuit circuit, GatewayCallBudget budget,
    RefundMetrics metrics, ILogger<OrderRefunds> logger)
{
    public async Task<RefundResult> RefundAsync(RefundAsk ask, CancellationToken cancellationToken)
    {
        if (circuit.Open)
        {
            // Known to be down: claiming now would only park the order in refund_pending with nothing sent.
            return new RefundResult.PaymentsUnavailable(circuit.RetryAfter);
        }

        var claimed = await records.ClaimAsync(ask, cancellationToken);
        if (claimed is not RefundClaim.Claimed claim)
        {
            return new RefundResult.NotClaimed(claimed);
        }

        var outcome = await gateway.RefundAsync(
            new RefundRequest(claim.ChargeId, claim.TotalCents, PaymentGatewayClient.RefundKeyFor(ask.OrderId)), cancellationToken);
        using var settleDeadline = budget.SettleDeadline();
        return await SettleAsync(ask.OrderId, outcome, CancellationToken.None);
    }

    /// <summary>Records what the gateway said about an order's refund; shared by requests and the reconciler.</summary>
    public async Task<RefundResult> SettleAsync(long orderId, PaymentOutcome outcome, CancellationToken cancellationToken)
    {
        try
        {
            switch (outcome.Result)
            {
                case PaymentResult.Succeeded:
                    // False when a racing settler (the reconciler) got there first: refunded either way, stock back once.
                    if (await records.SettleAsync(orderId, outcome.ChargeId!, cancellationToken) is { } status)
                    {
                        metrics.Confirmed();
                        logger.LogInformation("Order {OrderId} {Status} (refund {RefundId})", orderId, status, outcome.ChargeId);
                    }

                    return new RefundResult.Done();
                case PaymentResult.Declined:
                    await records.RevertAsync(orderId, outcome.Detail, cancellationToken);
                    metrics.Refused();
                    logger.LogWarning("Refund of order {OrderId} refused by the gateway: {Detail}", orderId, outcome.Detail);
                    return new RefundResult.Refused(outcome.Detail);
                default:
                    // Unknown, failed, not sent: the claim stands and the reconciler asks again under the same key.
                    metrics.Pending();
                    logger.LogWarning("Refund of order {OrderId} left pending: {Detail}", orderId, outcome.Detail);
                    return new RefundResult.Pending();
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            logger.LogWarning(exception, "Could not record the refund outcome of order {OrderId}; the reconciler will settle it", orderId);
            metrics.Pending();
            return new RefundResult.Pending();
        }
    }
}
