namespace Bulwark.Lab.Shop;

public sealed record CatalogCategory(string Id, string Name, long ProductCount);

public sealed record CatalogProduct(string Id, string? CategoryId, long Stock);

/// <summary>
/// The part of the shop's catalog the lab drives: every category, a sample of products per
/// category with the stock they had before the run, and the few hot products of a flash sale.
/// </summary>
public sealed class Catalog(IReadOnlyList<CatalogCategory> categories, IReadOnlyList<CatalogProduct> products, IReadOnlyList<CatalogProduct> hot)
{
    public IReadOnlyList<CatalogCategory> Categories { get; } = categories;

    /// <summary>Products in stock, most popular first (the order a power law picks them in).</summary>
    public IReadOnlyList<CatalogProduct> Products { get; } = products;

    public IReadOnlyList<CatalogProduct> Hot { get; } = hot;

    /// <summary>Stock of every sampled product before any load: the base of the oversell check.</summary>
    public IReadOnlyDictionary<string, long> InitialStock { get; } =
        products.Concat(hot).DistinctBy(p => p.Id).ToDictionary(p => p.Id, p => p.Stock);

    /// <summary>A product, the first ones far more often: a storefront's long tail, which a cache should love.</summary>
    public CatalogProduct PickPopular(Random random) => Products.Count > 0
        ? Products[(int)(Products.Count * Math.Pow(random.NextDouble(), 3))]
        : Hot[random.Next(Hot.Count)];

    /// <summary>Any sampled product, evenly: purchases spread over the catalog, so everyday buying does not sell out the few most viewed items.</summary>
    public CatalogProduct PickAny(Random random) => Products.Count > 0 ? Products[random.Next(Products.Count)] : Hot[random.Next(Hot.Count)];

    public CatalogProduct PickHot(Random random) => Hot.Count > 0 ? Hot[random.Next(Hot.Count)] : PickPopular(random);

    /// <summary>A category and a page in it; early pages far more often.</summary>
    public (string CategoryId, int Page) PickPage(Random random, int pageSize)
    {
        var category = Categories[random.Next(Categories.Count)];
        var pages = Math.Max(1, (int)Math.Ceiling(category.ProductCount / (double)pageSize));
        var page = 1 + (int)Math.Min(pages - 1, -Math.Log(1 - random.NextDouble()) * 1.5);
        return (category.Id, page);
    }
}
