using System.Globalization;
using Bulwark.Guard.Edge;
using Bulwark.Shop.WaitingRoom;

namespace Bulwark.Shop.Cart;

/// <summary>
/// Lets a cart change that will be answered from memory past the edge's shedding: putting in the cart an item whose open
/// sale has sold every unit is a 409 "sold out" without the database (<see cref="CartApi"/>), so a late crowd hears it
/// at once instead of "busy, come back" and a second or more of waiting (lab sale: the last buyers told 1.45 s after the
/// sell-out, after a shed cart update). Cart changes of a sale still selling are shed as usual: let past the edge on a
/// saturated core they queued to their deadline instead of being refused at once (lab sale on the cluster, one core for
/// three instances: 168 units sold in the first minute with every such change passed, 499 without). Decided from the
/// path and the sales snapshot, before authentication; the client's rate limit still counts it.
/// </summary>
public sealed class SaleCartPass(ISaleQueueSource sales, TimeProvider clock) : IPreAdmission
{
    public bool IsPreAdmitted(HttpRequest request) =>
        ProductOf(request.Path) is { } productId && SoldOutNow(sales, productId, clock) is not null;

    /// <summary>The open sale holding the product if it has sold every unit (by the snapshot), else null.</summary>
    internal static SaleQueueState? SoldOutNow(ISaleQueueSource sales, long productId, TimeProvider clock) =>
        sales.SaleHolding(productId) is { SoldOut: true } sale && sale.IsOpenAt(clock.GetUtcNow()) ? sale : null;

    /// <summary>The product id that ends a cart item's path (<c>/api/cart/items/{productId}</c>), or null.</summary>
    internal static long? ProductOf(PathString path)
    {
        var value = path.Value.AsSpan().TrimEnd('/');
        var last = value.LastIndexOf('/');
        return last >= 0 && long.TryParse(value[(last + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
    }
}
