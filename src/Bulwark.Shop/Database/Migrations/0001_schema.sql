-- The shop's tables. Money is integer minor units; stock can never go negative (the CHECK is the
-- last line of defence behind checkout's conditional UPDATE).
CREATE TABLE categories (
    id   integer PRIMARY KEY,
    name text    NOT NULL UNIQUE
);

CREATE TABLE products (
    id          bigint  PRIMARY KEY,
    sku         text    NOT NULL UNIQUE,
    name        text    NOT NULL,
    description text    NOT NULL,
    category_id integer NOT NULL REFERENCES categories (id),
    price_cents bigint  NOT NULL CHECK (price_cents > 0),
    stock       integer NOT NULL CHECK (stock >= 0)
);
-- Category pages are ordered by id within a category.
CREATE INDEX products_category_id_idx ON products (category_id, id);
CREATE INDEX products_lower_name_idx ON products (lower(name) text_pattern_ops);

CREATE TABLE users (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email            text        NOT NULL,
    normalized_email text        NOT NULL UNIQUE,
    password_hash    text        NOT NULL,
    roles            text[]      NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cart_items (
    user_id    bigint      NOT NULL REFERENCES users (id),
    product_id bigint      NOT NULL REFERENCES products (id),
    quantity   integer     NOT NULL CHECK (quantity BETWEEN 1 AND 99),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, product_id)
);

-- pending_payment: stock taken, payment outcome not known yet (in flight, or the gateway timed out
-- and the reconciler will settle it). paid and payment_failed are final; payment_failed gave the stock back.
CREATE TABLE orders (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint      NOT NULL REFERENCES users (id),
    idempotency_key text        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('pending_payment', 'paid', 'payment_failed')),
    total_cents     bigint      NOT NULL,
    currency        text        NOT NULL,
    payment_id      text,
    failure_reason  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX orders_user_idx ON orders (user_id, id DESC);
-- The reconciler scans only the few orders whose payment outcome is still open.
CREATE INDEX orders_pending_idx ON orders (updated_at) WHERE status = 'pending_payment';

CREATE TABLE order_lines (
    order_id         bigint  NOT NULL REFERENCES orders (id),
    product_id       bigint  NOT NULL REFERENCES products (id),
    quantity         integer NOT NULL CHECK (quantity > 0),
    unit_price_cents bigint  NOT NULL,
    PRIMARY KEY (order_id, product_id)
);
CREATE INDEX order_lines_product_idx ON order_lines (product_id);
