using System.Globalization;
using Bulwark.Guard.Edge;
using Bulwark.Shop.Catalog;
using Bulwark.Shop.WaitingRoom;

namespace Bulwark.Shop.Cart;

/// <summary>
/// Lets two kinds of cart change of an open sale's item past the edge's shedding. (1) Putting in the cart an item whose
/// open sale has sold its units: a 409 "sold out" without the database (<see cref="CartApi"/>), so a late crowd hears
/// it at once instead of "busy, come back" and a second or more of waiting (lab sale: the last buyers told 1.45 s after
/// the sell-out, after a shed cart update). (2) Putting it in with a live admission of that sale's waiting room
/// (<c>Admission</c> header): a buyer whose cart change was shed joins the line instead of racing retries (the join is
/// never shed), and when the turn comes the cart change is the first half of the purchase the room metered — shed
/// then, the turn would go to chance. Other cart changes of a sale still selling are shed as usual: let past the edge
/// on a saturated core they queued to their deadline instead of being refused at once (lab sale on the cluster, one
/// core for three instances: 168 units sold in the first minute with every such change passed, 499 without). Decided
/// from the path, the header's signature and expiry, and the open sales the catalog shows (<see cref="ICatalogSales"/>,
/// a snapshot at most 250 ms old), before authentication; the client's rate limit still counts it, and whose admission
/// it is the checkout checks.
/// </summary>
public sealed class SaleCartPass(ICatalogSales sales, WaitingRoomSigner signer, TimeProvider clock) : IPreAdmission
{
    public bool IsPreAdmitted(HttpRequest request) =>
        ProductOf(request.Path) is { } productId && OpenSale(sales, productId) is { } sale
        && (sale.UnitsLeft <= 0 || AdmittedTo(sale, request));

    /// <summary>The open sale of the product if it has no units of it left, else null.</summary>
    internal static ProductSale? SoldOut(ICatalogSales sales, long productId) =>
        OpenSale(sales, productId) is { UnitsLeft: <= 0 } sale ? sale : null;

    private static ProductSale? OpenSale(ICatalogSales sales, long productId) => sales.AnyOpen ? sales.OpenSaleOf(productId) : null;

    private bool AdmittedTo(ProductSale sale, HttpRequest request) =>
        request.Headers[CheckoutAdmission.Header] is [{ } token]
        && signer.LiveAdmissionRoom(token, clock.GetUtcNow()) == WaitingRooms.SaleRoom(sale.SaleId);

    /// <summary>The product id that ends a cart item's path (<c>/api/cart/items/{productId}</c>), or null.</summary>
    internal static long? ProductOf(PathString path)
    {
        var value = path.Value.AsSpan().TrimEnd('/');
        var last = value.LastIndexOf('/');
        return last >= 0 && long.TryParse(value[(last + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
    }
}
