namespace Bulwark.Shop.Catalog;

/// <summary>A product as the API shows it; <c>Stock</c> is the number of units available now.</summary>
public sealed record Product(long Id, string Sku, string Name, string Description, int CategoryId, string Category, long PriceCents, int Stock);

public sealed record Category(int Id, string Name, int ProductCount);

public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, long Total);

/// <summary>A validated catalog query; also the cache key, so equal queries share one database read.</summary>
public sealed record ProductQuery(ProductSearch? Search, int? CategoryId, int Page, int PageSize)
{
    public string CacheKey => $"products|{(Search is null ? "" : "q:" + Search.Normalized)}|{CategoryId}|{Page}|{PageSize}";
}
