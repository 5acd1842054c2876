-- A category page, as src/Bulwark.Shop/Catalog/CatalogStore.cs ProductsAsync asks for it: the page
-- and the count in one round trip (Dapper's QueryMultiple sends both as one batch; a pipeline here).
-- The filter keeps the shop's shape, search parameter absent, so the planner sees what it sees there.
-- Category and page are drawn as the lab's browse traffic draws them: any of the 50 categories, early
-- pages far more often (page - 1 about 1.5 times an exponential variable, 10 pages of 20 per category).
\set category random(1, 50)
\set page_index random_exponential(0, 9, 6.67)
\set page_offset :page_index * 20
\startpipeline
SELECT p.id, p.sku, p.name, p.description, p.category_id AS CategoryId, c.name AS category,
       p.price_cents AS PriceCents, p.stock
FROM products p JOIN categories c ON c.id = p.category_id
WHERE (CAST(:category AS int) IS NULL OR p.category_id = CAST(:category AS int))
  AND (CAST(NULL AS text) IS NULL OR lower(p.name) LIKE CAST(NULL AS text))
ORDER BY p.id LIMIT 20 OFFSET CAST(:page_offset AS int);
SELECT count(*) FROM products p
WHERE (CAST(:category AS int) IS NULL OR p.category_id = CAST(:category AS int))
  AND (CAST(NULL AS text) IS NULL OR lower(p.name) LIKE CAST(NULL AS text));
\endpipeline
