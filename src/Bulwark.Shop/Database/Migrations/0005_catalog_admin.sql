-- Catalog administration, full-text search and the audit trail (issue 13).

-- Products created through the admin API take ids from here, above the seeded catalog and the ids
-- tests reserve by hand (ShopFixture.ReserveProduct), so the two never meet.
CREATE SEQUENCE products_id_seq START WITH 1000000 OWNED BY products.id;
ALTER TABLE products ALTER COLUMN id SET DEFAULT nextval('products_id_seq');
CREATE SEQUENCE categories_id_seq START WITH 1000 OWNED BY categories.id;
ALTER TABLE categories ALTER COLUMN id SET DEFAULT nextval('categories_id_seq');

-- A product is hidden, never deleted: its order lines keep pointing at it and its orders keep working.
ALTER TABLE products ADD COLUMN hidden_at timestamptz;

-- Words of the name weigh more than words of the description, so a name match ranks first. Each text is
-- indexed twice: stemmed ('english': "teapots" finds "teapot") and as written ('simple'), because a prefix
-- typed so far cannot be stemmed reliably ("happ" is not a prefix of the stem "happi"; the word is).
ALTER TABLE products ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', name) || to_tsvector('simple', name), 'A')
    || setweight(to_tsvector('english', description) || to_tsvector('simple', description), 'B')
) STORED;
CREATE INDEX products_search_idx ON products USING gin (search);

-- Stock added or written off by an operator. With it the stock invariant reads: initial stock + the sum
-- of these deltas = stock + units in live orders. stock_after is what the row held right after, for the
-- operator reading the history.
CREATE TABLE stock_adjustments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id  bigint      NOT NULL REFERENCES products (id),
    delta       integer     NOT NULL CHECK (delta <> 0),
    stock_after integer     NOT NULL,
    reason      text        NOT NULL,
    actor       text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_adjustments_product_idx ON stock_adjustments (product_id, id);

-- Who did what to which thing, when and why: one row per admin action, written in the same transaction
-- as the action so neither exists without the other. before/after hold only what changed.
CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    actor_user_id bigint,
    actor         text        NOT NULL,
    action        text        NOT NULL,
    target        text        NOT NULL,
    before        jsonb,
    after         jsonb,
    reason        text
);
CREATE INDEX audit_log_id_desc_idx ON audit_log (id DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC);

-- Search is by the tsvector now; nothing reads lower(name) any more, and every write paid for it.
DROP INDEX IF EXISTS products_lower_name_idx;

-- Bumped by every catalog change beside its NOTIFY: an instance whose listening connection was down
-- compares it on its catch-up and drops its cache if the catalog moved meanwhile.
CREATE SEQUENCE catalog_revision;
