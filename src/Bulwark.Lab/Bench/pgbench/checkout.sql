-- One purchase as the lab's checkout action makes it through the API: PUT /api/cart/items/{id}
-- (src/Bulwark.Shop/Cart/CartStore.cs SetAsync), then POST /api/checkout: the reservation
-- transaction and the settlement of src/Bulwark.Shop/Checkout/StockReservation.cs (ReserveAsync,
-- MarkPaidAsync). The payment call between them holds no connection and is not database work.
-- Round trips match the shop's: Npgsql sends BEGIN with the first statement and the order lines
-- with the total as one batch; here BEGIN goes alone and the last three statements are pipelined.
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
-- StockReservation.ReserveAsync: claim the idempotency key, read the cart, take the stock, write the lines.
BEGIN;
INSERT INTO orders (user_id, idempotency_key, status, total_cents, currency)
VALUES (CAST(:user_id AS bigint), 'pgbench-' || CAST(:key AS text), 'pending_payment', 0, 'USD')
ON CONFLICT (user_id, idempotency_key) DO NOTHING
RETURNING id AS order_id \gset
SELECT ci.product_id AS ProductId, p.sku, ci.quantity FROM cart_items ci JOIN products p ON p.id = ci.product_id
WHERE ci.user_id = CAST(:user_id AS bigint) ORDER BY ci.product_id;
UPDATE products SET stock = stock - CAST(:quantity AS int) WHERE id = CAST(:product AS bigint) AND stock >= CAST(:quantity AS int)
RETURNING id, price_cents AS unit_price \gset
\startpipeline
INSERT INTO order_lines (order_id, product_id, quantity, unit_price_cents)
SELECT CAST(:order_id AS bigint), product_id, quantity, unit_price
FROM unnest(ARRAY[CAST(:product AS bigint)], ARRAY[CAST(:quantity AS int)], ARRAY[CAST(:unit_price AS bigint)]) AS l(product_id, quantity, unit_price);
UPDATE orders SET total_cents = CAST(:unit_price AS bigint) * CAST(:quantity AS int) WHERE id = CAST(:order_id AS bigint);
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
