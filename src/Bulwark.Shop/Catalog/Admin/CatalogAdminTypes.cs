namespace Bulwark.Shop.Catalog.Admin;

/// <summary>A new product. Every field is checked by the endpoint, so each is optional here and a missing one is named in the 400.</summary>
public sealed record NewProductRequest(string? Sku = null, string? Name = null, string? Description = null, int? CategoryId = null,
    long? PriceCents = null, int? Stock = null);

/// <summary>The fields to change; those left out keep their value. Stock is changed only through a stock adjustment.</summary>
public sealed record ProductChangeRequest(string? Name = null, string? Description = null, int? CategoryId = null, long? PriceCents = null);

/// <summary>Units to add (positive) or write off (negative), and why: kept in the stock history and the audit trail.</summary>
public sealed record StockAdjustmentRequest(int? Delta = null, string? Reason = null);

public sealed record NewCategoryRequest(string? Name = null);

/// <summary>The stock after an adjustment.</summary>
public sealed record StockLevel(long ProductId, int Stock);

/// <summary>A validated new product.</summary>
public sealed record NewProduct(string Sku, string Name, string Description, int CategoryId, long PriceCents, int Stock);

/// <summary>A validated change: null fields stay as they are.</summary>
public sealed record ProductChange(string? Name, string? Description, int? CategoryId, long? PriceCents);

/// <summary>What an admin catalog write came to.</summary>
public abstract record CatalogChange<T>
{
    public sealed record Done(T Value) : CatalogChange<T>;

    /// <summary>No such product, or it is hidden.</summary>
    public sealed record NotFound(string Detail) : CatalogChange<T>;

    /// <summary>A field names something that does not exist (a category): a 400 naming the field.</summary>
    public sealed record InvalidField(string Field, string Detail) : CatalogChange<T>;

    /// <summary>The request clashes with what is there (SKU or name taken, stock would go below zero).</summary>
    public sealed record Conflict(string Title, string Detail, IDictionary<string, object?>? Extensions = null) : CatalogChange<T>;
}
