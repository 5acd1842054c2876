using System.Globalization;
using Bulwark.Guard.Edge;
using Bulwark.Shop.Catalog;

namespace Bulwark.Shop.Cart;

/// <summary>
/// Lets a cart change that will be answered from memory past the edge's shedding: putting in the cart an item whose open
/// sale has sold its units is a 409 "sold out" without the database (<see cref="CartApi"/>), so a late crowd hears it at
/// once instead of "busy, come back" and a second or more of waiting (lab sale: the last buyers told 1.45 s after the
/// sell-out, after a shed cart update). Cart changes of a sale still selling are shed as usual: let past the edge on a
/// saturated core they queued to their deadline instead of being refused at once (lab sale on the cluster, one core for
/// three instances: 168 units sold in the first minute with every such change passed, 499 without). Decided from the
/// path and the open sales the catalog shows (<see cref="ICatalogSales"/>, a snapshot at most 250 ms old), before
/// authentication; the client's rate limit still counts it.
/// </summary>
public sealed class SaleCartPass(ICatalogSales sales) : IPreAdmission
{
    public bool IsPreAdmitted(HttpRequest request) => ProductOf(request.Path) is { } productId && SoldOut(sales, productId) is not null;

    /// <summary>The open sale of the product if it has no units of it left, else null.</summary>
    internal static ProductSale? SoldOut(ICatalogSales sales, long productId) =>
        sales.AnyOpen && sales.OpenSaleOf(productId) is { UnitsLeft: <= 0 } sale ? sale : null;

    /// <summary>The product id that ends a cart item's path (<c>/api/cart/items/{productId}</c>), or null.</summary>
    internal static long? ProductOf(PathString path)
    {
        var value = path.Value.AsSpan().TrimEnd('/');
        var last = value.LastIndexOf('/');
        return last >= 0 && long.TryParse(value[(last + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
    }
}
