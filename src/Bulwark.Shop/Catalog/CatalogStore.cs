using Dapper;

namespace Bulwark.Shop.Catalog;

/// <summary>
/// Catalog reads. Browsing is the first thing to give way under load, so it asks the gate as sheddable; a
/// cache miss runs on a standby when one is configured and caught up (<see cref="CatalogReads"/>).
/// </summary>
public sealed class CatalogStore(CatalogReads reads, CatalogCache cache)
{
    internal const string ProductColumns = """
        p.id, p.sku, p.name, p.description, p.category_id AS CategoryId, c.name AS category,
        p.price_cents AS PriceCents, p.stock
        """;

    public Task<IReadOnlyList<Category>> CategoriesAsync(CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync<IReadOnlyList<Category>>("categories", ct => reads.RunAsync(ct, async (connection, token) =>
            (IReadOnlyList<Category>)(await connection.QueryAsync<Category>(new CommandDefinition("""
                SELECT c.id, c.name, count(p.id)::int AS ProductCount
                FROM categories c LEFT JOIN products p ON p.category_id = c.id AND p.hidden_at IS NULL
                GROUP BY c.id, c.name ORDER BY c.id
                """, cancellationToken: token))).AsList()), cancellationToken);

    /// <summary>
    /// A page of visible products: in id order, or for a search best match first (ts_rank over the weighted
    /// name and description, ties by id so pages do not overlap).
    /// </summary>
    public Task<Paged<Product>> ProductsAsync(ProductQuery query, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(query.CacheKey, ct => reads.RunAsync(ct, async (connection, token) =>
        {
            if (query.Search is { TsQuerySql: null })
            {
                // Punctuation only: no word to look for, so nothing matches; not worth a round trip.
                return new Paged<Product>([], query.Page, query.PageSize, 0);
            }

            var parameters = new DynamicParameters(new { category = query.CategoryId, limit = query.PageSize, offset = (query.Page - 1) * query.PageSize });
            var terms = query.Search?.PrefixTerms ?? [];
            for (var i = 0; i < terms.Count; i++)
            {
                parameters.Add($"t{i}", terms[i]);
            }

            // The search's tsquery is built once per statement (a one-row join), then filters and ranks.
            var searched = query.Search is null ? "" : $"CROSS JOIN (SELECT {query.Search.TsQuerySql} AS query) s";
            var filter = $"""
                WHERE p.hidden_at IS NULL
                  AND (@category::int IS NULL OR p.category_id = @category)
                  {(query.Search is null ? "" : "AND p.search @@ s.query")}
                """;
            var order = query.Search is null ? "p.id" : "ts_rank(p.search, s.query) DESC, p.id";
            using var results = await connection.QueryMultipleAsync(new CommandDefinition($"""
                SELECT {ProductColumns} FROM products p JOIN categories c ON c.id = p.category_id {searched}
                {filter} ORDER BY {order} LIMIT @limit OFFSET @offset;
                SELECT count(*) FROM products p {searched} {filter};
                """, parameters, cancellationToken: token));
            var items = (await results.ReadAsync<Product>()).AsList();
            var total = await results.ReadSingleAsync<long>();
            return new Paged<Product>(items, query.Page, query.PageSize, total);
        }), cancellationToken);

    public async Task<Product?> ProductAsync(long id, CancellationToken cancellationToken)
    {
        // Cached as a lookup so that "no such product" is cached too: probing ids must not reach PostgreSQL.
        var lookup = await cache.GetOrLoadAsync($"product|{id}", ct => reads.RunAsync(ct, async (connection, token) =>
            new ProductLookup(await connection.QuerySingleOrDefaultAsync<Product>(new CommandDefinition($"""
                SELECT {ProductColumns} FROM products p JOIN categories c ON c.id = p.category_id WHERE p.id = @id AND p.hidden_at IS NULL
                """, new { id }, cancellationToken: token)))), cancellationToken);
        return lookup.Product;
    }

    private sealed record ProductLookup(Product? Product);
}
