using System.Globalization;
using Bulwark.Guard.Edge;
using Bulwark.Shop.WaitingRoom;

namespace Bulwark.Shop.Cart;

/// <summary>
/// Lets a cart change of a product in a sale whose window has not ended past the edge's shedding: putting the item in
/// the cart is the first step of a sale's purchase, and the waiting room, not the edge, meters the sale's buyers. Shed
/// at the edge, a buyer paused a second and more between tries and reached the line, or heard "sold out", late (lab
/// sale: 1,024 such 503s; the last buyers told 1.45 s after the sell-out). The gate still queues the change at
/// critical priority, the deadline bounds it, the client's rate limit counts it, and after a sell-out the cart answers
/// from memory without the database (<see cref="CartApi"/>). Decided from the path and the sales snapshot, before
/// authentication.
/// </summary>
public sealed class SaleCartPass(ISaleQueueSource sales) : IPreAdmission
{
    public bool IsPreAdmitted(HttpRequest request) =>
        ProductOf(request.Path) is { } productId && sales.SaleHolding(productId) is not null;

    /// <summary>The product id that ends a cart item's path (<c>/api/cart/items/{productId}</c>), or null.</summary>
    internal static long? ProductOf(PathString path)
    {
        var value = path.Value.AsSpan().TrimEnd('/');
        var last = value.LastIndexOf('/');
        return last >= 0 && long.TryParse(value[(last + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
    }
}
