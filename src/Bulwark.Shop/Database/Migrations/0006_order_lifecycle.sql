-- Orders with a lifecycle (issue 13): a paid order can be refunded by an admin or cancelled by its owner,
-- both through a gateway refund keyed by the order.
--   paid → refund_pending: the refund is claimed (exactly one request wins) and sent to the gateway.
--   refund_pending → refunded (admin) or cancelled (owner): the gateway confirmed it; the stock comes back
--     in that same transaction, and only on that transition, so it comes back exactly once.
--   refund_pending → paid: the gateway refused the refund outright (nothing moved).
-- An unknown outcome (timeout, gateway error, open circuit) stays refund_pending and the reconciler settles
-- it by the refund's idempotency key. refund_pending still holds its stock: it is a live order until the
-- money is back.
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check
    CHECK (status IN ('pending_payment', 'paid', 'payment_failed', 'refund_pending', 'refunded', 'cancelled'));

ALTER TABLE orders
    -- What a confirmed refund turns the order into: refunded by an admin, cancelled by its owner.
    ADD COLUMN refund_outcome       text CHECK (refund_outcome IN ('refunded', 'cancelled')),
    ADD COLUMN refund_reason        text,
    ADD COLUMN refund_requested_by  bigint REFERENCES users (id),
    ADD COLUMN refund_requested_at  timestamptz,
    -- The gateway's refund id, once confirmed.
    ADD COLUMN refund_id            text,
    ADD CONSTRAINT orders_refund_claimed CHECK (status NOT IN ('refund_pending', 'refunded', 'cancelled') OR refund_outcome IS NOT NULL);

-- The reconciler scans only the few orders whose refund outcome is still open.
CREATE INDEX orders_refund_pending_idx ON orders (updated_at) WHERE status = 'refund_pending';
-- The admin listing: newest first, optionally of one status.
CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC);
CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC, id DESC);
