-- Scheduled sales (issue 11): a window, and for each product in it a sale price and how many units sell at it.
-- The window and the items never change after creation (a sale is deleted before it starts, never edited),
-- so checkout reads them without locking anything.
CREATE TABLE sales (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text        NOT NULL,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    created_by text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at)
);
CREATE INDEX sales_created_idx ON sales (created_at DESC, id DESC);

CREATE TABLE sale_items (
    sale_id     bigint  NOT NULL REFERENCES sales (id) ON DELETE CASCADE,
    product_id  bigint  NOT NULL REFERENCES products (id),
    price_cents bigint  NOT NULL CHECK (price_cents > 0),
    quantity    integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (sale_id, product_id)
);
-- Checkout's lookup: the product's sales that have not ended, earliest first.
CREATE INDEX sale_items_product_idx ON sale_items (product_id);

-- The units still to sell at the sale price live on the product's own row, beside its stock: checkout takes
-- both with the one conditional UPDATE it takes the stock with, so a hot sale item is one hot row, not two.
-- The counter belongs to sale_id; the first checkout inside a sale's window attaches the sale to the row
-- (sale_units_left starts from the sale's quantity), so several future sales of one product need no job to
-- switch the counter between them. Off the row (not attached yet, or detached by a later sale), a sale's units
-- left are its quantity minus its units in live orders.
-- No foreign keys on the sale_id columns: checking one would take KEY SHARE on the sale's row in every
-- checkout of it, one more hot row (shared by every buyer, so a MultiXact per lock). Sales are deleted only
-- before they start, when no row or line can point at them yet.
ALTER TABLE products
    ADD COLUMN sale_id         bigint,
    ADD COLUMN sale_units_left integer CHECK (sale_units_left >= 0);

-- Which sale a line was sold under (null: the regular price), so the units of a failed or refunded order go
-- back to that sale's counter, and only while the row still counts for that sale.
ALTER TABLE order_lines ADD COLUMN sale_id bigint;
CREATE INDEX order_lines_sale_idx ON order_lines (sale_id) WHERE sale_id IS NOT NULL;
