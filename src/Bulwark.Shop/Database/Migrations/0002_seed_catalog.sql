-- A deterministic catalog: 50 categories, 10,000 products. Names, prices and stock are pure
-- functions of the product id, so every fresh cluster holds the same shop and the lab's numbers compare.
-- ON CONFLICT keeps it idempotent even if someone seeded by hand before the migration ran.
INSERT INTO categories (id, name)
SELECT i, name
FROM unnest(ARRAY[
    'Audio', 'Bags', 'Bakeware', 'Bedding', 'Bicycles', 'Books', 'Cameras', 'Camping', 'Candles', 'Ceramics',
    'Cleaning', 'Clocks', 'Coffee', 'Cookware', 'Cutlery', 'Desks', 'Drones', 'Fitness', 'Flooring', 'Footwear',
    'Gaming', 'Garden', 'Glassware', 'Gloves', 'Hats', 'Headphones', 'Jackets', 'Jewelry', 'Kitchen', 'Lamps',
    'Laptops', 'Luggage', 'Mirrors', 'Monitors', 'Music', 'Notebooks', 'Office', 'Outdoor', 'Paint', 'Pets',
    'Phones', 'Plants', 'Rugs', 'Scarves', 'Shelving', 'Sports', 'Tea', 'Tools', 'Toys', 'Watches'
]) WITH ORDINALITY AS c(name, i)
ON CONFLICT (id) DO NOTHING;

INSERT INTO products (id, sku, name, description, category_id, price_cents, stock)
SELECT
    i,
    'SKU-' || lpad(i::text, 5, '0'),
    adjective[1 + (i * 7) % array_length(adjective, 1)] || ' ' ||
        material[1 + (i * 13) % array_length(material, 1)] || ' ' ||
        c.name || ' Item ' || i,
    'A ' || lower(adjective[1 + (i * 7) % array_length(adjective, 1)]) || ' piece from our ' ||
        lower(c.name) || ' range, made of ' || lower(material[1 + (i * 13) % array_length(material, 1)]) || '.',
    c.id,
    199 + (i * 7919) % 49800,
    20 + (i * 31) % 181
FROM generate_series(1, 10000) AS i
CROSS JOIN LATERAL (SELECT 1 + (i - 1) % 50 AS id) AS cat
JOIN categories c ON c.id = cat.id
CROSS JOIN (SELECT
    ARRAY['Classic', 'Compact', 'Deluxe', 'Eco', 'Everyday', 'Heritage', 'Light', 'Modern', 'Pro', 'Rugged',
          'Smart', 'Soft', 'Sturdy', 'Travel', 'Vintage', 'Wild', 'Urban', 'Prime', 'Nordic', 'Royal'] AS adjective,
    ARRAY['Bamboo', 'Canvas', 'Carbon', 'Ceramic', 'Copper', 'Cotton', 'Glass', 'Leather', 'Linen', 'Maple',
          'Oak', 'Steel', 'Stone', 'Titanium', 'Wool', 'Walnut', 'Silk', 'Brass', 'Cork', 'Slate'] AS material
) AS words
ON CONFLICT (id) DO NOTHING;
