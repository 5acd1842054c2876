-- A sale item's units left as one function, owned by the sales feature and callable inside any statement (issue 11,
-- follow-up). The waiting room's tick caps a sale's line by the units left less the admissions still holding one;
-- read from the sales feature's in-memory copy (up to a refresh old) beside a fresh count of the admissions, a batch
-- of reservations committing in between made the units look free twice, and the line let in as many extra buyers as
-- the batch held (lab sale: 513 admitted for 500 units, 3 % bought out of queue order). Called in the tick's own
-- statement, both counts come from one snapshot. STABLE: it sees the calling statement's snapshot.
-- The rule: the product row's counter while it counts for this sale; otherwise (not attached yet, or a later sale
-- took the counter) the quantity less the sale's units in live orders (paid, awaiting payment or a refund's outcome).
CREATE FUNCTION sale_item_units_left(p_sale_id bigint, p_product_id bigint) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p.sale_id = si.sale_id THEN p.sale_units_left
        ELSE si.quantity - coalesce((SELECT sum(ol.quantity) FROM order_lines ol JOIN orders o ON o.id = ol.order_id
            WHERE ol.sale_id = si.sale_id AND ol.product_id = si.product_id
              AND o.status IN ('paid', 'pending_payment', 'refund_pending')), 0)::int
    END
    FROM sale_items si JOIN products p ON p.id = si.product_id
    WHERE si.sale_id = p_sale_id AND si.product_id = p_product_id
$$;

-- A sale's units left in all: what its line may still admit buyers for (none below zero per item); null for a sale
-- the database does not hold (deleted meanwhile).
CREATE FUNCTION sale_units_left(p_sale_id bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT sum(GREATEST(0, sale_item_units_left(si.sale_id, si.product_id)))::bigint
    FROM sale_items si WHERE si.sale_id = p_sale_id
$$;
