using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Gate;
using Npgsql;

namespace Bulwark.Shop.Checkout;

/// <summary>One checkout's request to reserve its cart: the order it makes is keyed by (user, Idempotency-Key).</summary>
internal sealed record ReservationRequest(long UserId, string IdempotencyKey, string Currency);

/// <summary>
/// Reserves a batch of checkouts in one transaction of two round trips, so that the orders of a burst share one
/// lock of each product row and one commit (one WAL flush): on a hot row the flush, not the statements, is what
/// serialises buyers, and each order alone would hold the row across its own. A batch of one is an ordinary
/// checkout.
/// </summary>
/// <remarks>
/// <para>First round trip: BEGIN; claim every key (orders inserted as pending_payment, in (user, key) order so that
/// two batches claiming the same keys wait on each other in one order); read the orders that keys already made;
/// lock the carts' product rows in product-id order (the order every transaction that changes stock takes them in,
/// so no deadlock cycle) and read the carts with each line's sale. Then, in memory, <see cref="UnitAllocation"/>
/// hands the locked rows' units out in arrival order. Second round trip: one statement takes each product's units
/// at once (<c>stock = stock - n</c>, the sale's counter on the same row), writes the order lines, prices the orders
/// and deletes the claims that got nothing, sent together with COMMIT.</para>
/// <para>Every order stays its own: its own key, lines, total and later its own payment, refund or failure giving
/// its own units back (<see cref="StockReservation.ReturnStockAsync"/>). Correctness never depends on batching:
/// batches of several instances meet on the same row locks as single checkouts do.</para>
/// </remarks>
internal sealed class ReservationBatch(IDatabaseGate gate)
{
    /// <summary>One answer per request, in the requests' order. Runs under <paramref name="deadline"/> when given.</summary>
    public Task<IReadOnlyList<Reservation>> ReserveAsync(IReadOnlyList<ReservationRequest> requests, DateTimeOffset? deadline,
        CancellationToken cancellationToken) =>
        RequestDeadline.RunUnderAsync(deadline, () => RunAsync(requests, cancellationToken));

    private Task<IReadOnlyList<Reservation>> RunAsync(IReadOnlyList<ReservationRequest> requests, CancellationToken cancellationToken) =>
        gate.RunAsync<IReadOnlyList<Reservation>>(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            var read = await ClaimAndLockAsync(connection, requests, token);
            var answers = new Reservation[requests.Count];
            var buying = new List<(int Request, long OrderId)>();
            for (var i = 0; i < requests.Count; i++)
            {
                var key = (requests[i].UserId, requests[i].IdempotencyKey);
                if (read.Claimed.TryGetValue(key, out var orderId))
                {
                    buying.Add((i, orderId));
                }
                else
                {
                    // The key made an order before (or in a transaction that committed while this one waited for it).
                    answers[i] = new Reservation.Existing(read.Existing.TryGetValue(key, out var existing) ? existing
                        : throw new InvalidOperationException($"The order of key {key} was neither made nor found."));
                }
            }

            var carts = buying.ConvertAll(buyer => read.Carts.GetValueOrDefault(requests[buyer.Request].UserId) ?? (IReadOnlyList<LockedCartLine>)[]);
            var verdicts = UnitAllocation.Allocate(read.Rows, carts);
            var write = new BatchWrite();
            for (var j = 0; j < buying.Count; j++)
            {
                var (request, orderId) = buying[j];
                switch (verdicts[j])
                {
                    case Allocated.Taken taken:
                        write.Take(orderId, taken);
                        answers[request] = new Reservation.Reserved(orderId, taken.TotalCents);
                        break;
                    case Allocated.Refused refused:
                        // Nothing bought: the claim goes, so the same key may buy once the cart is fixed.
                        write.Drop(orderId);
                        answers[request] = refused.Reason;
                        break;
                }
            }

            await WriteAndCommitAsync(connection, write, read.Rows, token);
            return answers;
        });

    private sealed record BatchRead(
        Dictionary<(long, string), long> Claimed,
        Dictionary<(long, string), OrderReceipt> Existing,
        Dictionary<long, List<LockedCartLine>> Carts,
        Dictionary<long, ProductUnits> Rows);

    private static async Task<BatchRead> ClaimAndLockAsync(NpgsqlConnection connection, IReadOnlyList<ReservationRequest> requests,
        CancellationToken cancellationToken)
    {
        var claims = requests.OrderBy(request => request.UserId).ThenBy(request => request.IdempotencyKey, StringComparer.Ordinal).ToList();
        var users = claims.Select(claim => claim.UserId).ToArray();
        var keys = claims.Select(claim => claim.IdempotencyKey).ToArray();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("BEGIN"),
                // A concurrent request with one of these keys blocks on its row until the first commits or rolls
                // back, then sees its order (or takes over if it rolled back).
                new NpgsqlBatchCommand("""
                    INSERT INTO orders (user_id, idempotency_key, status, total_cents, currency)
                    SELECT user_id, key, 'pending_payment', 0, currency
                    FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS w(user_id, key, currency, arrival) ORDER BY arrival
                    ON CONFLICT (user_id, idempotency_key) DO NOTHING
                    RETURNING user_id, idempotency_key, id
                    """) { Parameters = { new() { Value = users }, new() { Value = keys }, new() { Value = claims.Select(claim => claim.Currency).ToArray() } } },
                new NpgsqlBatchCommand("""
                    SELECT o.user_id, o.idempotency_key, o.id, o.status, o.total_cents
                    FROM orders o JOIN unnest($1::bigint[], $2::text[]) AS w(user_id, key) ON o.user_id = w.user_id AND o.idempotency_key = w.key
                    """) { Parameters = { new() { Value = users }, new() { Value = keys } } },
                // The product rows are locked first, alone, in id order (ORDER BY runs below the row locking), and come
                // back as they are once locked, so the units handed out are the units there are. Locking them in a join
                // with the carts instead would let a row another transaction changed meanwhile drop out of the join on
                // the recheck. The carts are read in the same statement, so under the same snapshot as the locked ids.
                // Each line's sale is the earliest of the product's sales not ended by the transaction's now().
                new NpgsqlBatchCommand("""
                    WITH locked AS MATERIALIZED (
                        SELECT id, sku, hidden_at, stock, price_cents, sale_id, sale_units_left FROM products
                        WHERE id = ANY(ARRAY(SELECT product_id FROM cart_items WHERE user_id = ANY($1)))
                        ORDER BY id
                        FOR NO KEY UPDATE
                    )
                    SELECT ci.user_id, ci.product_id, p.sku, ci.quantity, p.hidden_at IS NOT NULL,
                        sale.id, sale.starts_at, sale.starts_at <= now(), sale.price_cents, sale.quantity, sale.ends_at,
                        p.stock, p.price_cents, p.sale_id, p.sale_units_left
                    FROM cart_items ci JOIN locked p ON p.id = ci.product_id
                    LEFT JOIN LATERAL (
                        SELECT s.id, s.starts_at, s.ends_at, si.price_cents, si.quantity FROM sale_items si JOIN sales s ON s.id = si.sale_id
                        WHERE si.product_id = ci.product_id AND s.ends_at > now() ORDER BY s.starts_at LIMIT 1
                    ) sale ON true
                    WHERE ci.user_id = ANY($1)
                    ORDER BY ci.product_id
                    """) { Parameters = { new() { Value = users.Distinct().ToArray() } } },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var claimed = new Dictionary<(long, string), long>();
        while (await reader.ReadAsync(cancellationToken))
        {
            claimed[(reader.GetInt64(0), reader.GetString(1))] = reader.GetInt64(2);
        }

        await reader.NextResultAsync(cancellationToken);
        var existing = new Dictionary<(long, string), OrderReceipt>();
        while (await reader.ReadAsync(cancellationToken))
        {
            existing[(reader.GetInt64(0), reader.GetString(1))] = new OrderReceipt(reader.GetInt64(2), reader.GetString(3), reader.GetInt64(4));
        }

        await reader.NextResultAsync(cancellationToken);
        var carts = new Dictionary<long, List<LockedCartLine>>();
        var rows = new Dictionary<long, ProductUnits>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var onSale = !reader.IsDBNull(5);
            var line = new LockedCartLine(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt32(3), reader.GetBoolean(4),
                onSale ? reader.GetInt64(5) : null, onSale ? reader.GetDateTime(6) : null, onSale && reader.GetBoolean(7),
                onSale ? reader.GetInt64(8) : null, onSale ? reader.GetInt32(9) : null, onSale ? reader.GetDateTime(10) : null);
            (carts.TryGetValue(line.UserId, out var cart) ? cart : carts[line.UserId] = []).Add(line);
            rows.TryAdd(line.ProductId, new ProductUnits(reader.GetInt32(11), reader.GetInt64(12),
                reader.IsDBNull(13) ? null : reader.GetInt64(13), reader.IsDBNull(14) ? null : reader.GetInt32(14)));
        }

        return new BatchRead(claimed, existing, carts, rows);
    }

    /// <summary>What the second round trip writes: order lines and totals of the orders that got their units, claims that got none.</summary>
    private sealed class BatchWrite
    {
        public List<long> LineOrders { get; } = [];
        public List<long> LineProducts { get; } = [];
        public List<int> LineQuantities { get; } = [];
        public List<long> LinePrices { get; } = [];
        public List<long?> LineSales { get; } = [];
        public List<long> PricedOrders { get; } = [];
        public List<long> Totals { get; } = [];
        public List<long> Dropped { get; } = [];

        public void Take(long orderId, Allocated.Taken taken)
        {
            foreach (var line in taken.Lines)
            {
                LineOrders.Add(orderId);
                LineProducts.Add(line.ProductId);
                LineQuantities.Add(line.Quantity);
                LinePrices.Add(line.UnitPriceCents);
                LineSales.Add(line.SaleId);
            }

            PricedOrders.Add(orderId);
            Totals.Add(taken.TotalCents);
        }

        public void Drop(long orderId) => Dropped.Add(orderId);

        public bool IsEmpty => PricedOrders.Count == 0 && Dropped.Count == 0;
    }

    /// <summary>
    /// Second round trip: every product's units in one UPDATE of its row (the rows are held locked since the first
    /// round trip, so the sale's counter is written as the allocation left it), then COMMIT, sent together.
    /// </summary>
    private static async Task WriteAndCommitAsync(NpgsqlConnection connection, BatchWrite write, Dictionary<long, ProductUnits> rows,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        if (!write.IsEmpty)
        {
            var changed = rows.Where(row => row.Value.Taken > 0).ToList();
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                WITH taken AS (
                    UPDATE products p SET stock = p.stock - t.units, sale_id = t.sale_id, sale_units_left = t.sale_units_left
                    FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::int[]) AS t(id, units, sale_id, sale_units_left)
                    WHERE p.id = t.id
                ), lines AS (
                    INSERT INTO order_lines (order_id, product_id, quantity, unit_price_cents, sale_id)
                    SELECT * FROM unnest($5::bigint[], $6::bigint[], $7::int[], $8::bigint[], $9::bigint[])
                ), priced AS (
                    UPDATE orders o SET total_cents = t.total FROM unnest($10::bigint[], $11::bigint[]) AS t(id, total) WHERE o.id = t.id
                )
                DELETE FROM orders WHERE id = ANY($12::bigint[])
                """)
            {
                Parameters =
                {
                    new() { Value = changed.Select(row => row.Key).ToArray() },
                    new() { Value = changed.Select(row => row.Value.Taken).ToArray() },
                    new() { Value = changed.Select(row => row.Value.SaleId).ToArray() },
                    new() { Value = changed.Select(row => row.Value.SaleUnitsLeft).ToArray() },
                    new() { Value = write.LineOrders.ToArray() },
                    new() { Value = write.LineProducts.ToArray() },
                    new() { Value = write.LineQuantities.ToArray() },
                    new() { Value = write.LinePrices.ToArray() },
                    new() { Value = write.LineSales.ToArray() },
                    new() { Value = write.PricedOrders.ToArray() },
                    new() { Value = write.Totals.ToArray() },
                    new() { Value = write.Dropped.ToArray() },
                },
            });
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
