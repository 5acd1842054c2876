using Bulwark.Guard.Gate;
using Dapper;
using Npgsql;

namespace Bulwark.Shop.Checkout;

/// <summary>
/// The two short transactions around the payment call. Stock is taken with conditional updates, one
/// per line in product-id order so two checkouts never wait on each other's rows in a cycle; the order
/// is keyed by (user, Idempotency-Key) so a repeated request finds the first one's order instead of
/// making another.
/// </summary>
public sealed class StockReservation(IDatabaseGate gate)
{
    public Task<Reservation> ReserveAsync(long userId, string idempotencyKey, string currency, CancellationToken cancellationToken) =>
        gate.RunAsync<Reservation>(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(token);

            // Claim the key first: a concurrent request with the same key blocks on this row until we
            // commit or roll back, then sees our order (or takes over if we rolled back).
            var orderId = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition("""
                INSERT INTO orders (user_id, idempotency_key, status, total_cents, currency)
                VALUES (@userId, @idempotencyKey, 'pending_payment', 0, @currency)
                ON CONFLICT (user_id, idempotency_key) DO NOTHING
                RETURNING id
                """, new { userId, idempotencyKey, currency }, transaction, cancellationToken: token));
            if (orderId is null)
            {
                var existing = await connection.QuerySingleAsync<OrderReceipt>(new CommandDefinition("""
                    SELECT id AS OrderId, status, total_cents AS TotalCents FROM orders
                    WHERE user_id = @userId AND idempotency_key = @idempotencyKey
                    """, new { userId, idempotencyKey }, transaction, cancellationToken: token));
                await transaction.CommitAsync(token);
                return new Reservation.Existing(existing);
            }

            var lines = (await connection.QueryAsync<CartLineToBuy>(new CommandDefinition("""
                SELECT ci.product_id AS ProductId, p.sku, ci.quantity, p.hidden_at IS NOT NULL AS Hidden FROM cart_items ci JOIN products p ON p.id = ci.product_id
                WHERE ci.user_id = @userId ORDER BY ci.product_id
                """, new { userId }, transaction, cancellationToken: token))).AsList();
            if (lines.Count == 0)
            {
                await transaction.RollbackAsync(token);
                return new Reservation.EmptyCart();
            }

            if (lines.Find(line => line.Hidden) is { } hidden)
            {
                await transaction.RollbackAsync(token);
                return new Reservation.NoLongerSold(hidden.ProductId, hidden.Sku);
            }

            var prices = await TakeStockAsync(connection, lines, token);
            var shortLine = lines.FindIndex(line => !prices.ContainsKey(line.ProductId));
            if (shortLine >= 0)
            {
                await transaction.RollbackAsync(token);
                var line = lines[shortLine];
                var available = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                    "SELECT stock FROM products WHERE id = @id", new { id = line.ProductId }, cancellationToken: token));
                return new Reservation.OutOfStock(line.ProductId, line.Sku, line.Quantity, available);
            }

            var total = lines.Sum(line => prices[line.ProductId] * line.Quantity);
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO order_lines (order_id, product_id, quantity, unit_price_cents)
                SELECT @orderId, product_id, quantity, unit_price FROM unnest(@productIds, @quantities, @unitPrices) AS l(product_id, quantity, unit_price);
                UPDATE orders SET total_cents = @total WHERE id = @orderId;
                """, new
            {
                orderId,
                total,
                productIds = lines.Select(line => line.ProductId).ToArray(),
                quantities = lines.Select(line => line.Quantity).ToArray(),
                unitPrices = lines.Select(line => prices[line.ProductId]).ToArray(),
            }, transaction, cancellationToken: token));
            await transaction.CommitAsync(token);
            return new Reservation.Reserved(orderId.Value, total);
        });

    /// <summary>Marks the order paid and removes what was bought from the cart, in one statement. False if it was already settled.</summary>
    public Task<bool> MarkPaidAsync(long orderId, string chargeId, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
            await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
                WITH paid AS (
                    UPDATE orders SET status = 'paid', payment_id = @chargeId, updated_at = now()
                    WHERE id = @orderId AND status = 'pending_payment'
                    RETURNING id, user_id
                ), bought AS (
                    DELETE FROM cart_items ci USING paid, order_lines ol
                    WHERE ol.order_id = paid.id AND ci.user_id = paid.user_id AND ci.product_id = ol.product_id
                )
                SELECT count(*) FROM paid
                """, new { orderId, chargeId }, cancellationToken: token)) > 0);

    /// <summary>
    /// Marks the order failed and gives its stock back, in product-id order, in one transaction. Only the
    /// transition from pending_payment gives stock back, so a request and the reconciler settling the same
    /// order at once return it exactly once.
    /// </summary>
    public Task<bool> MarkFailedAsync(long orderId, string reason, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
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
        var lines = (await connection.QueryAsync<(long ProductId, int Quantity)>(new CommandDefinition(
            "SELECT product_id, quantity FROM order_lines WHERE order_id = @orderId ORDER BY product_id",
            new { orderId }, transaction, cancellationToken: cancellationToken))).AsList();
        if (lines.Count == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var (productId, quantity) in lines)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE products SET stock = stock + $1 WHERE id = $2")
            {
                Parameters = { new() { Value = quantity }, new() { Value = productId } },
            });
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// One conditional UPDATE per line, all sent in one round trip and executed in order. Answers the unit
    /// price of every line whose stock was taken; a missing line means not enough stock.
    /// </summary>
    private static async Task<Dictionary<long, long>> TakeStockAsync(NpgsqlConnection connection, List<CartLineToBuy> lines, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var line in lines)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "UPDATE products SET stock = stock - $1 WHERE id = $2 AND stock >= $1 RETURNING id, price_cents")
            {
                Parameters = { new() { Value = line.Quantity }, new() { Value = line.ProductId } },
            });
        }

        var prices = new Dictionary<long, long>(lines.Count);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        do
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                prices[reader.GetInt64(0)] = reader.GetInt64(1);
            }
        }
        while (await reader.NextResultAsync(cancellationToken));

        return prices;
    }

    private sealed record CartLineToBuy(long ProductId, string Sku, int Quantity, bool Hidden);
}
