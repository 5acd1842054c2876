using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Bulwark.Shop.Checkout;

/// <summary>
/// The two short transactions around the payment call. The reservation goes through <see cref="ReservationBatch"/>:
/// checkouts arriving while one is being reserved wait in memory (<see cref="Coalescer{TRequest, TResult}"/>) and
/// are reserved together, in arrival order, by the next transaction, so a hot product's row is locked and its WAL
/// flushed once per batch instead of once per buyer. The order is keyed by (user, Idempotency-Key) so a repeated
/// request finds the first one's order instead of making another.
/// </summary>
/// <remarks>
/// Clocks: whether a line's sale is upcoming, open or ended is decided by the database's <c>now()</c>, the
/// transaction's start, so the price charged and the units taken follow one instant. The shop's
/// <see cref="TimeProvider"/> only shows sales (<c>SaleCatalog</c>), checks new ones and times buyers waiting for a batch.
/// </remarks>
public sealed partial class StockReservation
{
    private readonly IDatabaseGate _gate;
    private readonly ReservationBatch _batch;
    private readonly Coalescer<ReservationRequest, Reservation>? _coalescer;
    private readonly PaidBatch _paid;
    private readonly Coalescer<PaidRequest, bool>? _paidCoalescer;
    private readonly ILogger<StockReservation> _logger;

    public StockReservation(IDatabaseGate gate, IGatePressure pressure, IGateControl control, IOptions<CoalescingOptions> options, TimeProvider clock,
        ILogger<StockReservation> logger)
    {
        _gate = gate;
        _batch = new ReservationBatch(gate);
        _logger = logger;
        var settings = options.Value;
        _coalescer = settings.Enabled
            ? new Coalescer<ReservationRequest, Reservation>(
                // Not any one buyer's cancellation: a buyer who goes leaves the batch, the batch goes on for the others.
                (requests, deadline) => _batch.ReserveAsync(requests, deadline, CancellationToken.None),
                new CoalescerLimits(settings.MaxBatch, settings.MaxBatchesInFlight), clock,
                identity: request => (request.UserId, request.IdempotencyKey),
                // The gate's own refusal for a waiter whose deadline passed: the edge answers it with 503 + Retry-After.
                expired: () => new AdmissionRejectedException(Priority.Critical, RejectionReason.Expired, pressure.EstimatedQueueDelay(Priority.Critical)),
                abandoned: UndoAsync,
                // Held to the gate's critical queue-delay target, as a wait for a connection would be, unless a waiting
                // room's admission let the checkout in: the room metered it, and its buyer's turn has come.
                maxWait: () => control.Settings.QueueDelayTargets.Critical,
                waitsOutItsDeadline: () => GateShedding.IsMeteredUpstream)
            : null;
        _paid = new PaidBatch(gate);
        _paidCoalescer = settings.Enabled
            ? new Coalescer<PaidRequest, bool>(
                (requests, deadline) => _paid.MarkPaidAsync(requests, deadline, CancellationToken.None),
                new CoalescerLimits(settings.MaxBatch, settings.MaxBatchesInFlight), clock,
                identity: request => request.OrderId,
                expired: () => new AdmissionRejectedException(Priority.Critical, RejectionReason.Expired, pressure.EstimatedQueueDelay(Priority.Critical)),
                // Marked paid after its caller was answered (202, pending): right all the same, the charge went through.
                abandoned: static (_, _) => Task.CompletedTask)
            : null;
    }

    public async Task<Reservation> ReserveAsync(long userId, string idempotencyKey, string currency, CancellationToken cancellationToken)
    {
        var request = new ReservationRequest(userId, idempotencyKey, currency);
        return _coalescer is null
            ? (await _batch.ReserveAsync([request], deadline: null, cancellationToken))[0]
            : await _coalescer.RunAsync(request, RequestDeadline.Current, cancellationToken);
    }

    /// <summary>
    /// A buyer was answered (deadline, gone) while its batch still ran: it was told nothing was done (503 Busy, or
    /// no answer at all), so if the batch reserved for it the order is taken back whole — units returned, order and
    /// lines deleted — and the same Idempotency-Key sent again makes a fresh order instead of finding this one. The
    /// coalescer holds that key's next request until this ends. The order's id never left the shop: nothing was charged.
    /// </summary>
    private async Task UndoAsync(ReservationRequest request, Reservation reservation)
    {
        if (reservation is not Reservation.Reserved reserved)
        {
            return;
        }

        try
        {
            await TakeBackAsync(reserved.OrderId, CancellationToken.None);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // Left pending: the reconciler fails it after Payments:AbandonAfter and gives the units back then.
            TakeBackFailed(_logger, reserved.OrderId, failure.Message);
        }
    }

    /// <summary>Deletes a pending order nobody was told of and gives its units back, in one transaction. False if it was no longer pending.</summary>
    private Task<bool> TakeBackAsync(long orderId, CancellationToken cancellationToken) =>
        _gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(token);
            var pending = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                "SELECT id FROM orders WHERE id = @orderId AND status = 'pending_payment' FOR UPDATE",
                new { orderId }, transaction, cancellationToken: token));
            if (pending is null)
            {
                await transaction.RollbackAsync(token);
                return false;
            }

            await ReturnStockAsync(connection, transaction, orderId, token);
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM order_lines WHERE order_id = @orderId; DELETE FROM orders WHERE id = @orderId",
                new { orderId }, transaction, cancellationToken: token));
            await transaction.CommitAsync(token);
            return true;
        });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not take back order {OrderId}, reserved for a buyer who had gone; the reconciler will fail it and give its units back: {Reason}")]
    private static partial void TakeBackFailed(ILogger logger, long orderId, string reason);

    /// <summary>Marks the order paid and removes what was bought from the cart, in one statement. False if it was already settled.</summary>
    /// <remarks>Charged orders settling at once are marked together (<see cref="PaidBatch"/>), as their reservations were.</remarks>
    public async Task<bool> MarkPaidAsync(long orderId, string chargeId, CancellationToken cancellationToken)
    {
        var request = new PaidRequest(orderId, chargeId);
        return _paidCoalescer is null
            ? (await _paid.MarkPaidAsync([request], deadline: null, cancellationToken))[0]
            : await _paidCoalescer.RunAsync(request, RequestDeadline.Current, cancellationToken);
    }

    /// <summary>
    /// Marks the order failed and gives its stock back, in product-id order, in one transaction. Only the
    /// transition from pending_payment gives stock back, so a request and the reconciler settling the same
    /// order at once return it exactly once.
    /// </summary>
    public Task<bool> MarkFailedAsync(long orderId, string reason, CancellationToken cancellationToken) =>
        _gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(token);
            var failed = await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE orders SET status = 'payment_failed', failure_reason = @reason, updated_at = now()
                WHERE id = @orderId AND status = 'pending_payment'
                """, new { orderId, reason }, transaction, cancellationToken: token));
            if (failed == 0)
            {
                await transaction.RollbackAsync(token);
                return false;
            }

            await ReturnStockAsync(connection, transaction, orderId, token);
            await transaction.CommitAsync(token);
            return true;
        });

    /// <summary>
    /// Gives an order's units back to stock, in product-id order (the order checkout takes rows in, so no
    /// deadlock cycle). Call it only inside the transaction that moves the order out of a state holding stock,
    /// so that it runs once per order whoever races to settle it.
    /// </summary>
    public static async Task ReturnStockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long orderId, CancellationToken cancellationToken)
    {
        var lines = (await connection.QueryAsync<(long ProductId, int Quantity, long? SaleId)>(new CommandDefinition(
            "SELECT product_id, quantity, sale_id FROM order_lines WHERE order_id = @orderId ORDER BY product_id",
            new { orderId }, transaction, cancellationToken: cancellationToken))).AsList();
        if (lines.Count == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var (productId, quantity, saleId) in lines)
        {
            // Units sold under a sale go back to that sale while the row still counts for it (a later sale may have
            // taken the counter since; then the old sale has ended and only the stock matters).
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                UPDATE products SET stock = stock + $1,
                    sale_units_left = CASE WHEN sale_id = $3 THEN sale_units_left + $1 ELSE sale_units_left END
                WHERE id = $2
                """)
            {
                Parameters = { new() { Value = quantity }, new() { Value = productId }, new() { Value = (object?)saleId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint } },
            });
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
