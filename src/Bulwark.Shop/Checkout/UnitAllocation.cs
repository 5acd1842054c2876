namespace Bulwark.Shop.Checkout;

/// <summary>
/// Hands a batch's units out in arrival order, from product rows the batch holds locked: each order takes all its
/// lines or none, and an order that does not fit is refused without blocking a later, smaller one. Pure (no I/O,
/// no clock: whether a sale is open was decided by the database's <c>now()</c> when the cart was read), so the
/// rules can be tested apart from PostgreSQL; the database's CHECK (stock &gt;= 0) stays the last word on overselling.
/// </summary>
internal static class UnitAllocation
{
    /// <summary>One verdict per cart, in the carts' order; <paramref name="rows"/> end up as the batch leaves them.</summary>
    public static List<Allocated> Allocate(IReadOnlyDictionary<long, ProductUnits> rows, IReadOnlyList<IReadOnlyList<LockedCartLine>> carts)
    {
        var verdicts = new List<Allocated>(carts.Count);
        foreach (var cart in carts)
        {
            verdicts.Add(Refusal(cart) is { } refused ? new Allocated.Refused(refused) : Take(rows, cart));
        }

        return verdicts;
    }

    /// <summary>What refuses a cart whatever the stock: the same checks, in the same order, as a checkout alone.</summary>
    private static Reservation? Refusal(IReadOnlyList<LockedCartLine> cart) =>
        cart.Count == 0 ? new Reservation.EmptyCart()
        : cart.FirstOrDefault(line => line.Hidden) is { } hidden ? new Reservation.NoLongerSold(hidden.ProductId, hidden.Sku)
        : cart.FirstOrDefault(line => line is { SaleId: not null, SaleOpen: false }) is { } early
            ? new Reservation.SaleNotOpen(early.ProductId, early.Sku, early.SaleId!.Value, Utc(early.SaleStartsAt!.Value))
        : null;

    private static Allocated Take(IReadOnlyDictionary<long, ProductUnits> rows, IReadOnlyList<LockedCartLine> cart)
    {
        // The first line (in product-id order) that does not fit names the refusal, as a checkout alone would.
        foreach (var line in cart.OrderBy(line => line.ProductId))
        {
            var row = rows[line.ProductId];
            var saleUnits = SaleUnitsFor(row, line);
            if (row.Stock < line.Quantity || saleUnits < line.Quantity)
            {
                return new Allocated.Refused(line.SaleId is { } saleId && (saleUnits < line.Quantity || row.Stock >= line.Quantity)
                    ? new Reservation.SaleSoldOut(line.ProductId, line.Sku, saleId, line.Quantity, Math.Min(saleUnits, row.Stock), Utc(line.SaleEndsAt!.Value))
                    : new Reservation.OutOfStock(line.ProductId, line.Sku, line.Quantity, Math.Min(row.Stock, saleUnits)));
            }
        }

        var taken = new List<TakenLine>(cart.Count);
        foreach (var line in cart)
        {
            var row = rows[line.ProductId];
            if (line.SaleId is { } saleId)
            {
                // The first order in a sale's window attaches the sale to the row, its counter starting from the
                // sale's quantity; units sold at the sale price come out of the stock as well.
                row.SaleUnitsLeft = SaleUnitsFor(row, line) - line.Quantity;
                row.SaleId = saleId;
            }

            row.Stock -= line.Quantity;
            row.Taken += line.Quantity;
            taken.Add(new TakenLine(line.ProductId, line.Quantity, line.SalePrice ?? row.PriceCents, line.SaleId));
        }

        return new Allocated.Taken(taken, taken.Sum(line => line.Quantity * line.UnitPriceCents));
    }

    private static int SaleUnitsFor(ProductUnits row, LockedCartLine line) =>
        line.SaleId is null ? int.MaxValue : row.SaleId == line.SaleId ? row.SaleUnitsLeft ?? 0 : line.SaleQuantity!.Value;

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}

/// <summary>A product row as the batch holds it locked, changed as units are handed out.</summary>
internal sealed class ProductUnits(int stock, long priceCents, long? saleId, int? saleUnitsLeft)
{
    public int Stock { get; set; } = stock;

    public long PriceCents { get; } = priceCents;

    public long? SaleId { get; set; } = saleId;

    public int? SaleUnitsLeft { get; set; } = saleUnitsLeft;

    /// <summary>Units this batch took from the row.</summary>
    public int Taken { get; set; }
}

/// <summary>A cart line with the sale it would sell under now (null: the regular price), read with its product row locked.</summary>
internal sealed record LockedCartLine(long UserId, long ProductId, string Sku, int Quantity, bool Hidden,
    long? SaleId, DateTime? SaleStartsAt, bool SaleOpen, long? SalePrice, int? SaleQuantity, DateTime? SaleEndsAt);

internal sealed record TakenLine(long ProductId, int Quantity, long UnitPriceCents, long? SaleId);

internal abstract record Allocated
{
    public sealed record Taken(IReadOnlyList<TakenLine> Lines, long TotalCents) : Allocated;

    public sealed record Refused(Reservation Reason) : Allocated;
}
