namespace Bulwark.Shop.Catalog;

/// <summary>
/// The open sales as the catalog shows them: the sales feature implements it from the snapshot it keeps fresh for the
/// waiting room, so a product answer costs no query for it. Asked on every product answer, after the cache: the
/// catalog cache keeps a product for its TTL, and a sale must show from the instant its window opens to the instant
/// it closes.
/// </summary>
public interface ICatalogSales
{
    /// <summary>Whether any sale is open now: when none is (nearly always), answers pass through untouched.</summary>
    bool AnyOpen { get; }

    /// <summary>The open sale the product sells under now, or null.</summary>
    ProductSale? OpenSaleOf(long productId);
}

/// <summary>The default until the sales feature registers its own: no sale, regular prices only.</summary>
public sealed class NoCatalogSales : ICatalogSales
{
    public bool AnyOpen => false;

    public ProductSale? OpenSaleOf(long productId) => null;
}

/// <summary>Lays the open sales over catalog answers read from the cache (copies; the cached ones stay as read).</summary>
public static class CatalogSaleOverlay
{
    public static Product WithSale(this Product product, ICatalogSales sales) =>
        sales.AnyOpen && sales.OpenSaleOf(product.Id) is { } sale ? product with { Sale = sale } : product;

    public static Paged<Product> WithSales(this Paged<Product> page, ICatalogSales sales) =>
        sales.AnyOpen && page.Items.Any(product => sales.OpenSaleOf(product.Id) is not null)
            ? page with { Items = [.. page.Items.Select(product => product.WithSale(sales))] }
            : page;
}
