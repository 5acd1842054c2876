using Bulwark.Guard.Gate;
using Bulwark.Shop.Payments;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Checkout;

/// <summary>What one checkout request came to.</summary>
public abstract record CheckoutResult
{
    public sealed record Paid(OrderReceipt Order) : CheckoutResult;
    public sealed record Repeated(OrderReceipt Order) : CheckoutResult;
    public sealed record Declined(OrderReceipt Order, string Detail) : CheckoutResult;
    public sealed record GatewayFailed(OrderReceipt Order, string Detail) : CheckoutResult;
    public sealed record OutcomeUnknown(OrderReceipt Order) : CheckoutResult;
    public sealed record OutOfTime(OrderReceipt Order) : CheckoutResult;
    public sealed record Rejected(Reservation Reason) : CheckoutResult;

    /// <summary>The gateway's circuit is open: nothing was charged; <paramref name="Order"/> is the failed order, if one was made.</summary>
    public sealed record PaymentsUnavailable(OrderReceipt? Order, TimeSpan RetryAfter) : CheckoutResult;
}

/// <summary>
/// The hot path of DESIGN.md: reserve (short transaction) → charge (no connection held) → settle (short
/// transaction). Whatever happens between, the order ends paid, or failed with its stock back, or stays
/// pending for the reconciler; it is never lost and the stock is never counted twice.
/// </summary>
public sealed class CheckoutService(StockReservation reservations, PaymentGatewayClient gateway, GatewayCircuit circuit,
    GatewayCallBudget budget, IOptions<PaymentsOptions> options, ILogger<CheckoutService> logger)
{
    public async Task<CheckoutResult> CheckoutAsync(long userId, string idempotencyKey, string paymentToken, CancellationToken cancellationToken)
    {
        if (circuit.Open)
        {
            // The gateway is known to be down: answer at once, before any stock is taken or any connection used.
            return new CheckoutResult.PaymentsUnavailable(null, circuit.RetryAfter);
        }

        var currency = options.Value.Currency;
        var reservation = await reservations.ReserveAsync(userId, idempotencyKey, currency, cancellationToken);
        if (reservation is Reservation.Existing existing)
        {
            return new CheckoutResult.Repeated(existing.Order);
        }

        if (reservation is not Reservation.Reserved (var orderId, var total))
        {
            return new CheckoutResult.Rejected(reservation);
        }

        // Stock is reserved: charging and settling go ahead of new checkouts waiting for the gateway or a connection,
        // so that an overload of checkouts refuses new ones instead of stranding the ones already half done.
        using var continuing = ContinuingWork.Begin();
        return await SettleAsync(orderId, total, await ChargeAsync(orderId, total, currency, paymentToken, cancellationToken));
    }

    /// <summary>
    /// The charge of an order that exists. The request's deadline is its token too, and it may fire a moment before
    /// the gateway client's own timeout for the same instant: the charge may have reached the gateway, so the outcome
    /// is unknown (202, the reconciler settles it) — never the edge's generic 503, which says nothing was done and
    /// invites the same key again, to find this order (the flaky <c>Timed_out_payment_stays_pending…</c>).
    /// </summary>
    private async Task<PaymentOutcome> ChargeAsync(long orderId, long total, string currency, string paymentToken, CancellationToken cancellationToken)
    {
        try
        {
            return await gateway.ChargeAsync(new ChargeRequest(total, currency, paymentToken, PaymentGatewayClient.KeyFor(orderId)), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new PaymentOutcome(PaymentResult.Unknown, null, "The request's time ran out while the payment was being sent.");
        }
    }

    private async Task<CheckoutResult> SettleAsync(long orderId, long total, PaymentOutcome payment)
    {
        if (payment.Result is PaymentResult.Unknown or PaymentResult.NotFound)
        {
            return new CheckoutResult.OutcomeUnknown(new OrderReceipt(orderId, OrderStatus.PendingPayment, total));
        }

        // A database too slow for the settle deadline (hung, restarting) leaves the order pending: the answer
        // is 202 within the deadline and the reconciler settles the order once the database answers again.
        using var settleDeadline = budget.SettleDeadline();
        try
        {
            if (payment.Result == PaymentResult.Succeeded)
            {
                await reservations.MarkPaidAsync(orderId, payment.ChargeId!, CancellationToken.None);
                return new CheckoutResult.Paid(new OrderReceipt(orderId, OrderStatus.Paid, total));
            }

            await reservations.MarkFailedAsync(orderId, payment.Detail, CancellationToken.None);
            var failed = new OrderReceipt(orderId, OrderStatus.PaymentFailed, total);
            return payment.Result switch
            {
                PaymentResult.Declined => new CheckoutResult.Declined(failed, payment.Detail),
                PaymentResult.NotAttempted => new CheckoutResult.OutOfTime(failed),
                // The circuit opened between reserving and charging: the stock is back already, as for any failure.
                PaymentResult.Unavailable => new CheckoutResult.PaymentsUnavailable(failed, circuit.RetryAfter),
                _ => new CheckoutResult.GatewayFailed(failed, payment.Detail),
            };
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            logger.LogWarning(exception, "Could not record the payment outcome of order {OrderId}; the reconciler will settle it", orderId);
            return new CheckoutResult.OutcomeUnknown(new OrderReceipt(orderId, OrderStatus.PendingPayment, total));
        }
    }
}
