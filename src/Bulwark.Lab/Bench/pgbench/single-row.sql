-- The floor under any sell-out of one product: PostgreSQL taking one unit from one row, one statement per
-- transaction, as fast as the row lock lets it (the shop's own reservation does more; issue 11 compares the two).
UPDATE products SET stock = stock - 1 WHERE id = :product_min AND stock >= 1;
