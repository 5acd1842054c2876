using Bulwark.Guard.Gate;
using Bulwark.Shop.Checkout;
using Dapper;

namespace Bulwark.Shop.Orders;

/// <summary>
/// The short transactions around a refund's gateway call, the way <see cref="StockReservation"/> surrounds a
/// charge: claim (paid → refund_pending, which only one caller can win), then settle (refund_pending →
/// refunded or cancelled, with the stock back in the same transaction) or revert (→ paid). Each is one
/// conditional statement on the order's status, so racing requests and reconcilers move an order, and its
/// stock, at most once.
/// </summary>
public sealed class RefundRecords(IDatabaseGate gate)
{
    /// <summary>
    /// Claims the order's refund: only a paid order, and only the owner's one placed within the window when
    /// the ask names an owner and a window (a customer's cancellation). When not claimed, says why.
    /// </summary>
    public Task<RefundClaim> ClaimAsync(RefundAsk ask, CancellationToken cancellationToken) =>
        gate.RunAsync<RefundClaim>(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            var parameters = new
            {
                ask.OrderId,
                ask.OwnerId,
                ask.Outcome,
                ask.Reason,
                ask.RequestedBy,
                windowSeconds = ask.Window?.TotalSeconds,
            };
            await using var transaction = await connection.BeginTransactionAsync(token);
            var claimed = await connection.QuerySingleOrDefaultAsync<ClaimedRow>(new CommandDefinition("""
                UPDATE orders SET status = 'refund_pending', refund_outcome = @Outcome, refund_reason = @Reason,
                    refund_requested_by = @RequestedBy, refund_requested_at = now(), failure_reason = NULL, updated_at = now()
                WHERE id = @OrderId AND status = 'paid'
                  AND (@OwnerId::bigint IS NULL OR user_id = @OwnerId)
                  AND (@windowSeconds::float8 IS NULL OR created_at >= now() - make_interval(secs => @windowSeconds))
                RETURNING payment_id AS ChargeId, total_cents AS TotalCents
                """, parameters, transaction, cancellationToken: token));
            if (claimed is not null)
            {
                if (ask.Auditor is { } auditor)
                {
                    await Audit.AuditTrail.RecordAsync(connection, transaction, new Audit.AuditEntry(auditor, "order.refund", $"order:{ask.OrderId}",
                        new { status = OrderStatus.Paid }, new { status = OrderStatus.RefundPending, amountCents = claimed.TotalCents }, ask.Reason), token);
                }

                await transaction.CommitAsync(token);
                return new RefundClaim.Claimed(claimed.ChargeId, claimed.TotalCents);
            }

            await transaction.RollbackAsync(token);

            // Not claimed: say why, from the order as it is now (another caller may have just claimed it).
            var current = await connection.QuerySingleOrDefaultAsync<CurrentRow>(new CommandDefinition("""
                SELECT status, (@windowSeconds::float8 IS NULL OR created_at >= now() - make_interval(secs => @windowSeconds)) AS WithinWindow
                FROM orders WHERE id = @OrderId AND (@OwnerId::bigint IS NULL OR user_id = @OwnerId)
                """, parameters, cancellationToken: token));
            return current is null ? new RefundClaim.NotFound() : new RefundClaim.NotClaimed(current.Status, current.WithinWindow);
        });

    /// <summary>
    /// The gateway confirmed the refund: the order becomes what the claim asked for and its stock comes back.
    /// Answers the new status, or null when someone else settled it first.
    /// </summary>
    public Task<string?> SettleAsync(long orderId, string refundId, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(token);
            var status = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition("""
                UPDATE orders SET status = refund_outcome, refund_id = @refundId, updated_at = now()
                WHERE id = @orderId AND status = 'refund_pending'
                RETURNING status
                """, new { orderId, refundId }, transaction, cancellationToken: token));
            if (status is null)
            {
                await transaction.RollbackAsync(token);
                return null;
            }

            await StockReservation.ReturnStockAsync(connection, transaction, orderId, token);
            await transaction.CommitAsync(token);
            return status;
        });

    /// <summary>The gateway refused the refund outright (nothing moved): the order is paid again, with the reason.</summary>
    public Task<bool> RevertAsync(long orderId, string reason, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
            await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE orders SET status = 'paid', refund_outcome = NULL, failure_reason = @reason, updated_at = now()
                WHERE id = @orderId AND status = 'refund_pending'
                """, new { orderId, reason }, cancellationToken: token)) > 0);

    /// <summary>Refunds claimed at least <paramref name="after"/> ago whose outcome is still open, oldest first, and how many there are.</summary>
    public Task<(IReadOnlyList<PendingRefund> Batch, long Total)> PendingAsync(TimeSpan after, int limit, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            var rows = (await connection.QueryAsync<PendingRow>(new CommandDefinition("""
                SELECT id AS OrderId, payment_id AS ChargeId, total_cents AS TotalCents, count(*) OVER () AS Total
                FROM orders WHERE status = 'refund_pending' AND updated_at < now() - @after
                ORDER BY updated_at LIMIT @limit
                """, new { after, limit }, cancellationToken: token))).AsList();
            return ((IReadOnlyList<PendingRefund>)rows.ConvertAll(row => new PendingRefund(row.OrderId, row.ChargeId, row.TotalCents)),
                rows.Count == 0 ? 0 : rows[0].Total);
        });

    private sealed record ClaimedRow(string ChargeId, long TotalCents);

    private sealed record CurrentRow(string Status, bool WithinWindow);

    private sealed record PendingRow(long OrderId, string ChargeId, long TotalCents, long Total);
}

/// <summary>Who asks to refund which order, and what it becomes once refunded.</summary>
/// <param name="OwnerId">The customer cancelling their own order; null for an admin, who may refund any.</param>
/// <param name="Outcome"><see cref="OrderStatus.Refunded"/> or <see cref="OrderStatus.Cancelled"/>.</param>
/// <param name="Window">Only orders placed this recently; null for no limit.</param>
/// <param name="Auditor">An admin's refund is an admin action: recorded in the audit trail with the claim. Null for a customer's cancellation.</param>
public sealed record RefundAsk(long OrderId, long? OwnerId, string Outcome, string Reason, long RequestedBy, TimeSpan? Window,
    Audit.AuditActor? Auditor = null);

public abstract record RefundClaim
{
    /// <summary>This caller won the claim and must send the refund.</summary>
    public sealed record Claimed(string ChargeId, long TotalCents) : RefundClaim;

    /// <summary>No such order (or not the caller's).</summary>
    public sealed record NotFound : RefundClaim;

    /// <summary>The order exists but is not a paid order within the window: <paramref name="Status"/> says where it is.</summary>
    public sealed record NotClaimed(string Status, bool WithinWindow) : RefundClaim;
}

public sealed record PendingRefund(long OrderId, string ChargeId, long TotalCents);
