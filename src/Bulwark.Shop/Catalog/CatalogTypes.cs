namespace Bulwark.Shop.Catalog;

/// <summary>A product as the API shows it; <c>Stock</c> is the number of units available now.</summary>
public sealed record Product(long Id, string Sku, string Name, string Description, int CategoryId, string Category, long PriceCents, int Stock)
{
    /// <summary>
    /// The sale the product sells under right now, or null outside any sale's window. Never cached with the product:
    /// laid over each answer from the sales' snapshot (<see cref="ICatalogSales"/>), so it appears and goes on time.
    /// </summary>
    public ProductSale? Sale { get; init; }
}

/// <summary>
/// An open sale's terms for one product, beside its regular <c>priceCents</c>: what checkout charges while the window is
/// open (<paramref name="PriceCents"/>), for as long as the units at that price last (<paramref name="UnitsLeft"/>; at 0
/// checkout answers "sold out" until <paramref name="EndsAt"/>).
/// </summary>
public sealed record ProductSale(long SaleId, string Name, long PriceCents, int UnitsLeft, DateTimeOffset EndsAt);

public sealed record Category(int Id, string Name, int ProductCount);

public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, long Total);

/// <summary>A validated catalog query; also the cache key, so equal queries share one database read.</summary>
public sealed record ProductQuery(ProductSearch? Search, int? CategoryId, int Page, int PageSize)
{
    public string CacheKey => $"products|{(Search is null ? "" : "q:" + Search.Normalized)}|{CategoryId}|{Page}|{PageSize}";
}
