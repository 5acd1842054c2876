using Bulwark.Guard.Gate;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Bulwark.Shop.Checkout;

/// <summary>
/// The two short transactions around the payment call. The reservation is two round trips and holds no
/// product row between them: the first claims the idempotency key and reads the cart with each line's sale;
/// the second is one statement that takes the stock (and the sale's units, on the same row) with a conditional
/// UPDATE, writes the order lines from its RETURNING and prices the order, sent together with COMMIT. A hot
/// product's row is therefore locked for one statement and the commit, as in PostgreSQL's own single-row
/// UPDATE, instead of across three round trips. The order is keyed by (user, Idempotency-Key) so a repeated
/// request finds the first one's order instead of making another.
/// </summary>
/// <remarks>
/// Clocks: whether a line's sale is upcoming, open or ended is decided by the database's <c>now()</c>, which is
/// the transaction's start and the same in both round trips, so the price charged and the units taken follow one
/// instant. The shop's <see cref="TimeProvider"/> only shows sales (<c>SaleCatalog</c>) and checks new ones.
/// The transaction is begun and ended in SQL (not an <see cref="NpgsqlTransaction"/>) so that COMMIT rides with
/// the last statement; a connection given back mid-transaction (an exception) is rolled back by Npgsql's pool.
/// </remarks>
public sealed class StockReservation(IDatabaseGate gate)
{
    public Task<Reservation> ReserveAsync(long userId, string idempotencyKey, string currency, CancellationToken cancellationToken) =>
        gate.RunAsync<Reservation>(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            var (orderId, existing, lines) = await ClaimAndReadCartAsync(connection, userId, idempotencyKey, currency, token);
            if (orderId is null)
            {
                await EndAsync(connection, "COMMIT", token);
                return new Reservation.Existing(existing!);
            }

            var refusal = lines.Count == 0 ? new Reservation.EmptyCart()
                : lines.Find(line => line.Hidden) is { } hidden ? new Reservation.NoLongerSold(hidden.ProductId, hidden.Sku)
                : lines.Find(line => line is { SaleId: not null, SaleOpen: false }) is { } early
                    ? new Reservation.SaleNotOpen(early.ProductId, early.Sku, early.SaleId!.Value, Utc(early.SaleStartsAt!.Value))
                : (Reservation?)null;
            if (refusal is not null)
            {
                // Gives the key back too: nothing was bought, so the same key may buy once the cart is fixed.
                await EndAsync(connection, "ROLLBACK", token);
                return refusal;
            }

            var taken = await TakeAndCommitAsync(connection, orderId.Value, lines, token);
            if (taken.Count == lines.Count)
            {
                return new Reservation.Reserved(orderId.Value, taken.Sum(line => line.UnitPrice * line.Quantity));
            }

            // Nothing was taken and the order row was deleted by the same statement (committed: the key is free).
            // The short line, in product-id order as the locks were taken, read afresh with no lock held.
            return await ShortLineAsync(connection, lines, token);
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

    /// <summary>
    /// First round trip: BEGIN, claim the key, read the order it already made (if another request with this key
    /// made one), and read the cart with each line's sale: the earliest of the product's sales that has not ended
    /// by the transaction's <c>now()</c>, and whether it has started. Reads only: no product row is locked.
    /// </summary>
    private static async Task<(long? OrderId, OrderReceipt? Existing, List<CartLineToBuy> Lines)> ClaimAndReadCartAsync(
        NpgsqlConnection connection, long userId, string idempotencyKey, string currency, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("BEGIN"),
                // A concurrent request with the same key blocks on this row until the first commits or rolls
                // back, then sees its order (or takes over if it rolled back).
                new NpgsqlBatchCommand("""
                    INSERT INTO orders (user_id, idempotency_key, status, total_cents, currency)
                    VALUES ($1, $2, 'pending_payment', 0, $3)
                    ON CONFLICT (user_id, idempotency_key) DO NOTHING
                    RETURNING id
                    """) { Parameters = { new() { Value = userId }, new() { Value = idempotencyKey }, new() { Value = currency } } },
                new NpgsqlBatchCommand("SELECT id, status, total_cents FROM orders WHERE user_id = $1 AND idempotency_key = $2")
                {
                    Parameters = { new() { Value = userId }, new() { Value = idempotencyKey } },
                },
                new NpgsqlBatchCommand("""
                    SELECT ci.product_id, p.sku, ci.quantity, p.hidden_at IS NOT NULL,
                        sale.id, sale.starts_at, sale.starts_at <= now(), sale.price_cents, sale.quantity, sale.ends_at
                    FROM cart_items ci JOIN products p ON p.id = ci.product_id
                    LEFT JOIN LATERAL (
                        SELECT s.id, s.starts_at, s.ends_at, si.price_cents, si.quantity FROM sale_items si JOIN sales s ON s.id = si.sale_id
                        WHERE si.product_id = ci.product_id AND s.ends_at > now() ORDER BY s.starts_at LIMIT 1
                    ) sale ON true
                    WHERE ci.user_id = $1 ORDER BY ci.product_id
                    """) { Parameters = { new() { Value = userId } } },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        long? orderId = await reader.ReadAsync(cancellationToken) ? reader.GetInt64(0) : null;
        await reader.NextResultAsync(cancellationToken);
        OrderReceipt? existing = await reader.ReadAsync(cancellationToken)
            ? new OrderReceipt(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2))
            : null;
        await reader.NextResultAsync(cancellationToken);
        var lines = new List<CartLineToBuy>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var onSale = !reader.IsDBNull(4);
            lines.Add(new CartLineToBuy(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetBoolean(3),
                onSale ? reader.GetInt64(4) : null, onSale ? reader.GetDateTime(5) : null, onSale && reader.GetBoolean(6),
                onSale ? reader.GetInt64(7) : null, onSale ? reader.GetInt32(8) : null, onSale ? reader.GetDateTime(9) : null));
        }

        return (orderId, existing, lines);
    }

    /// <summary>A line fits when the row has its units and, in an open sale, the sale has them too.</summary>
    private const string Fits = """
        p.stock >= w.quantity AND (w.sale_id IS NULL
            OR CASE WHEN p.sale_id = w.sale_id THEN p.sale_units_left ELSE w.sale_quantity END >= w.quantity)
        """;

    /// <summary>
    /// Takes every line or none. One line (the hot-SKU case) is one conditional UPDATE. Several lines are first
    /// locked in product-id order (the ORDER BY runs below the row locking), so two checkouts never wait on each
    /// other's rows in a cycle, and updated only if every one fits.
    /// </summary>
    private static string TakeStatement(bool severalLines) => $"""
        WITH wanted AS (
            SELECT * FROM unnest($2::bigint[], $3::int[], $4::bigint[], $5::bigint[], $6::int[])
                AS w(product_id, quantity, sale_id, sale_price, sale_quantity)
        ),{(severalLines ? $"""
         locked AS (
            SELECT p.id FROM products p JOIN wanted w ON w.product_id = p.id WHERE {Fits} ORDER BY p.id FOR NO KEY UPDATE OF p
        ),
        """ : "")}
        taken AS (
            -- The sale's counter rides on the product's row. The first checkout in a sale's window attaches the sale
            -- to the row, starting its counter from the sale's quantity.
            UPDATE products p SET stock = p.stock - w.quantity,
                sale_id = coalesce(w.sale_id, p.sale_id),
                sale_units_left = CASE WHEN w.sale_id IS NULL THEN p.sale_units_left
                                       WHEN p.sale_id = w.sale_id THEN p.sale_units_left - w.quantity
                                       ELSE w.sale_quantity - w.quantity END
            FROM wanted w
            WHERE p.id = w.product_id AND {Fits}{(severalLines ? " AND (SELECT count(*) FROM locked) = $7" : "")}
            RETURNING p.id, w.quantity, coalesce(w.sale_price, p.price_cents) AS unit_price, w.sale_id
        ), lines AS (
            INSERT INTO order_lines (order_id, product_id, quantity, unit_price_cents, sale_id)
            SELECT $1, id, quantity, unit_price, sale_id FROM taken
        ), priced AS (
            UPDATE orders SET total_cents = (SELECT sum(quantity * unit_price) FROM taken)
            WHERE id = $1 AND (SELECT count(*) FROM taken) = $7
        ), dropped AS (
            -- Short: nothing is taken and the claimed order goes, so committing leaves no trace.
            DELETE FROM orders WHERE id = $1 AND (SELECT count(*) FROM taken) < $7
        )
        SELECT id, quantity, unit_price FROM taken
        """;

    private static readonly string TakeOneLine = TakeStatement(severalLines: false);
    private static readonly string TakeSeveralLines = TakeStatement(severalLines: true);

    /// <summary>Second round trip: the one statement that takes the stock, then COMMIT, sent together.</summary>
    private static async Task<List<(long ProductId, int Quantity, long UnitPrice)>> TakeAndCommitAsync(
        NpgsqlConnection connection, long orderId, List<CartLineToBuy> lines, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(lines.Count == 1 ? TakeOneLine : TakeSeveralLines)
                {
                    Parameters =
                    {
                        new() { Value = orderId },
                        new() { Value = lines.Select(line => line.ProductId).ToArray() },
                        new() { Value = lines.Select(line => line.Quantity).ToArray() },
                        new() { Value = lines.Select(line => line.SaleId).ToArray() },
                        new() { Value = lines.Select(line => line.SalePrice).ToArray() },
                        new() { Value = lines.Select(line => line.SaleQuantity).ToArray() },
                        new() { Value = (long)lines.Count },
                    },
                },
                new NpgsqlBatchCommand("COMMIT"),
            },
        };
        var taken = new List<(long, int, long)>(lines.Count);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            taken.Add((reader.GetInt64(0), reader.GetInt32(1), reader.GetInt64(2)));
        }

        return taken;
    }

    /// <summary>The first line (in product-id order) that does not fit now, and why: the sale's units, or the stock.</summary>
    private static async Task<Reservation> ShortLineAsync(NpgsqlConnection connection, List<CartLineToBuy> lines, CancellationToken cancellationToken)
    {
        var rows = (await connection.QueryAsync<(long Id, int Stock, long? SaleId, int? SaleUnitsLeft)>(new CommandDefinition(
            "SELECT id, stock, sale_id, sale_units_left FROM products WHERE id = ANY(@ids)", new { ids = lines.Select(line => line.ProductId).ToArray() }, cancellationToken: cancellationToken))).ToDictionary(row => row.Id);
        var verdicts = lines.Select(line =>
        {
            var row = rows[line.ProductId];
            var saleUnits = line.SaleId is null ? int.MaxValue : row.SaleId == line.SaleId ? row.SaleUnitsLeft ?? 0 : line.SaleQuantity!.Value;
            return (Line: line, row.Stock, SaleUnits: saleUnits);
        }).ToList();
        var shortOne = verdicts.FirstOrDefault(v => v.Stock < v.Line.Quantity || v.SaleUnits < v.Line.Quantity);
        if (shortOne.Line is null)
        {
            // Lost a race that has since turned (a failed payment gave units back): the units that race are a sale's
            // if the cart has a sale line, else the first line's stock; either way, as they stand now.
            shortOne = verdicts.Find(v => v.Line.SaleId is not null) is { Line: not null } onSale ? onSale : verdicts[0];
        }

        var (shortLine, stock, saleUnits) = shortOne;
        return shortLine.SaleId is { } saleId && (saleUnits < shortLine.Quantity || stock >= shortLine.Quantity)
            ? new Reservation.SaleSoldOut(shortLine.ProductId, shortLine.Sku, saleId, shortLine.Quantity, Math.Min(saleUnits, stock),
                Utc(shortLine.SaleEndsAt!.Value))
            : new Reservation.OutOfStock(shortLine.ProductId, shortLine.Sku, shortLine.Quantity, Math.Min(stock, saleUnits));
    }

    private static async Task EndAsync(NpgsqlConnection connection, string command, CancellationToken cancellationToken)
    {
        await using var end = new NpgsqlCommand(command, connection);
        await end.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A cart line with the sale it would sell under now (null: the regular price).</summary>
    private sealed record CartLineToBuy(long ProductId, string Sku, int Quantity, bool Hidden,
        long? SaleId, DateTime? SaleStartsAt, bool SaleOpen, long? SalePrice, int? SaleQuantity, DateTime? SaleEndsAt);

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
