-- One purchase as the lab's checkout action makes it through the API: PUT /api/cart/items/{id}
-- (src/Bulwark.Shop/Cart/CartStore.cs SetAsync), then POST /api/checkout: the reservation
-- transaction and the settlement of src/Bulwark.Shop/Checkout/StockReservation.cs (ReserveAsync,
-- MarkPaidAsync). The payment call between them holds no connection and is not database work.
-- Round trips match the shop's closely: the reservation's last statement goes with COMMIT in one
-- pipeline, as the shop sends it in one batch; here BEGIN and the claim go alone (the claim's id is \gset).
-- Each client is its own user (user_base + client_id), so carts never collide, as in the shop.
-- product_min/product_max choose the products: the whole catalog, or one hot row.
\set user_id :user_base + :client_id
\set product random(:product_min, :product_max)
\set quantity 1
\set key random(1, 9000000000000000000)
-- CartStore.SetAsync: the line, then the cart read back.
INSERT INTO cart_items (user_id, product_id, quantity)
SELECT CAST(:user_id AS bigint), p.id, CAST(:quantity AS int) FROM products p
WHERE p.id = CAST(:product AS bigint)
  AND ((SELECT count(*) FROM cart_items WHERE user_id = CAST(:user_id AS bigint) AND product_id <> CAST(:product AS bigint)) < 50)
ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = excluded.quantity, updated_at = now()
RETURNING product_id;
SELECT p.id AS ProductId, p.sku, p.name, p.price_cents AS PriceCents, ci.quantity, p.stock
FROM cart_items ci JOIN products p ON p.id = ci.product_id
WHERE ci.user_id = CAST(:user_id AS bigint) ORDER BY p.id;
-- StockReservation.ReserveAsync: claim the idempotency key and read the cart with each line's sale (the shop
-- sends BEGIN, the claim, the existing order's read and the cart read as one batch; here the claim needs \gset),
-- then one statement that takes the stock, writes the lines and prices the order, pipelined with COMMIT so the
-- hot row is locked for that statement and the commit only. No sale here: the sale columns are null.
BEGIN;
INSERT INTO orders (user_id, idempotency_key, status, total_cents, currency)
VALUES (CAST(:user_id AS bigint), 'pgbench-' || CAST(:key AS text), 'pending_payment', 0, 'USD')
ON CONFLICT (user_id, idempotency_key) DO NOTHING
RETURNING id AS order_id \gset
SELECT ci.product_id, p.sku, ci.quantity, p.hidden_at IS NOT NULL,
    sale.id, sale.starts_at, sale.starts_at <= now(), sale.price_cents, sale.quantity, sale.ends_at
FROM cart_items ci JOIN products p ON p.id = ci.product_id
LEFT JOIN LATERAL (
    SELECT s.id, s.starts_at, s.ends_at, si.price_cents, si.quantity FROM sale_items si JOIN sales s ON s.id = si.sale_id
    WHERE si.product_id = ci.product_id AND s.ends_at > now() ORDER BY s.starts_at LIMIT 1
) sale ON true
WHERE ci.user_id = CAST(:user_id AS bigint) ORDER BY ci.product_id;
\startpipeline
WITH wanted AS (
    SELECT * FROM unnest(ARRAY[CAST(:product AS bigint)], ARRAY[CAST(:quantity AS int)], CAST(ARRAY[NULL] AS bigint[]),
        CAST(ARRAY[NULL] AS bigint[]), CAST(ARRAY[NULL] AS int[])) AS w(product_id, quantity, sale_id, sale_price, sale_quantity)
), taken AS (
    UPDATE products p SET stock = p.stock - w.quantity,
        sale_id = coalesce(w.sale_id, p.sale_id),
        sale_units_left = CASE WHEN w.sale_id IS NULL THEN p.sale_units_left
                               WHEN p.sale_id = w.sale_id THEN p.sale_units_left - w.quantity
                               ELSE w.sale_quantity - w.quantity END
    FROM wanted w
    WHERE p.id = w.product_id AND p.stock >= w.quantity AND (w.sale_id IS NULL
        OR CASE WHEN p.sale_id = w.sale_id THEN p.sale_units_left ELSE w.sale_quantity END >= w.quantity)
    RETURNING p.id, w.quantity, coalesce(w.sale_price, p.price_cents) AS unit_price, w.sale_id
), lines AS (
    INSERT INTO order_lines (order_id, product_id, quantity, unit_price_cents, sale_id)
    SELECT CAST(:order_id AS bigint), id, quantity, unit_price, sale_id FROM taken
), priced AS (
    UPDATE orders SET total_cents = (SELECT sum(quantity * unit_price) FROM taken)
    WHERE id = CAST(:order_id AS bigint) AND (SELECT count(*) FROM taken) = 1
), dropped AS (
    DELETE FROM orders WHERE id = CAST(:order_id AS bigint) AND (SELECT count(*) FROM taken) < 1
)
SELECT id, quantity, unit_price FROM taken;
COMMIT;
\endpipeline
-- StockReservation.MarkPaidAsync: paid, and what was bought leaves the cart, in one statement.
WITH paid AS (
    UPDATE orders SET status = 'paid', payment_id = 'ch_pgbench_' || CAST(:order_id AS text), updated_at = now()
    WHERE id = CAST(:order_id AS bigint) AND status = 'pending_payment'
    RETURNING id, user_id
), bought AS (
    DELETE FROM cart_items ci USING paid, order_lines ol
    WHERE ol.order_id = paid.id AND ci.user_id = paid.user_id AND ci.product_id = ol.product_id
)
SELECT count(*) FROM paid;
