using Bulwark.Shop.Catalog.Admin;

namespace Bulwark.Shop.Sales;

/// <summary>
/// What a new sale must satisfy before anything reaches PostgreSQL; "now" is the caller's clock (a
/// <see cref="TimeProvider"/>), so the window rules are tested with a fake one. The rules that need the
/// catalog (the product exists, is sold, has the stock; no overlapping sale) are the store's.
/// </summary>
public static class SaleRules
{
    /// <summary>A sale is a burst, not a price change: a longer one is a new price (PATCH the product).</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(7);

    public const int MaxItems = 100;

    /// <summary>The first field that is wrong and why, or null and the validated sale.</summary>
    public static (string Field, string Problem)? Check(NewSaleRequest request, DateTimeOffset now, out NewSale? sale)
    {
        sale = null;
        if (CatalogFieldRules.TextProblem("name", request.Name, CatalogFieldRules.MaxNameLength, required: true) is { } nameProblem)
        {
            return ("name", nameProblem);
        }

        if (request.StartsAt is not { } startsAt || startsAt <= now)
        {
            return ("startsAt", "startsAt is required and must be in the future.");
        }

        if (request.EndsAt is not { } endsAt || endsAt <= startsAt)
        {
            return ("endsAt", "endsAt is required and must be after startsAt.");
        }

        if (endsAt - startsAt > MaxWindow)
        {
            return ("endsAt", $"A sale lasts at most {MaxWindow.TotalDays:0} days; endsAt must be within that of startsAt.");
        }

        if (request.Items is not { Count: > 0 and <= MaxItems } items)
        {
            return ("items", $"items is required: between 1 and {MaxItems} products, each with productId, priceCents and quantity.");
        }

        var seen = new HashSet<long>();
        var valid = new List<NewSaleItem>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item?.ProductId is not { } productId)
            {
                return ($"items[{i}].productId", $"items[{i}].productId is required.");
            }

            if (!seen.Add(productId))
            {
                return ($"items[{i}].productId", $"Product {productId} is in the sale twice; list each product once.");
            }

            if (CatalogFieldRules.PriceProblem(item.PriceCents) is { } priceProblem)
            {
                return ($"items[{i}].priceCents", $"items[{i}].{priceProblem}");
            }

            if (item.Quantity is not ({ } quantity and >= 1 and <= CatalogFieldRules.MaxStock))
            {
                return ($"items[{i}].quantity", $"items[{i}].quantity is required: the units to sell at the sale price, at least 1.");
            }

            valid.Add(new NewSaleItem(productId, item.PriceCents!.Value, quantity));
        }

        sale = new NewSale(request.Name!.Trim(), startsAt, endsAt, valid);
        return null;
    }
}
