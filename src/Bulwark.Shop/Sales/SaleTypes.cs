namespace Bulwark.Shop.Sales;

/// <summary>A new sale as sent. Every field is checked by the endpoint, so each is optional here and a missing one is named in the 400.</summary>
public sealed record NewSaleRequest(string? Name = null, DateTimeOffset? StartsAt = null, DateTimeOffset? EndsAt = null,
    IReadOnlyList<NewSaleItemRequest?>? Items = null);

public sealed record NewSaleItemRequest(long? ProductId = null, long? PriceCents = null, int? Quantity = null);

/// <summary>A validated new sale.</summary>
public sealed record NewSale(string Name, DateTimeOffset StartsAt, DateTimeOffset EndsAt, IReadOnlyList<NewSaleItem> Items);

public sealed record NewSaleItem(long ProductId, long PriceCents, int Quantity);

/// <summary>Where a sale stands at a moment: before its window, inside it, or after it.</summary>
public static class SaleState
{
    public const string Upcoming = "upcoming";
    public const string Open = "open";
    public const string Ended = "ended";
}

/// <summary>
/// A sale as clients see it. <see cref="OpensInSeconds"/> is set only while it is upcoming (rounded up, so 0 means
/// open); each item's <see cref="SaleItem.UnitsLeft"/> is what is still to sell at the sale price.
/// </summary>
public sealed record Sale(long Id, string Name, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string State, long? OpensInSeconds,
    IReadOnlyList<SaleItem> Items);

public sealed record SaleItem(long ProductId, string Name, long RegularPriceCents, long PriceCents, int Quantity, int UnitsLeft);

/// <summary>A sale's window, without its items: what the waiting room and the state logic need.</summary>
public sealed record SaleWindow(long Id, DateTimeOffset StartsAt, DateTimeOffset EndsAt)
{
    public string StateAt(DateTimeOffset now) =>
        now < StartsAt ? SaleState.Upcoming : now < EndsAt ? SaleState.Open : SaleState.Ended;

    /// <summary>Whole seconds until the window opens, rounded up; null once it has opened.</summary>
    public long? OpensInSecondsAt(DateTimeOffset now) =>
        now < StartsAt ? (long)Math.Ceiling((StartsAt - now).TotalSeconds) : null;
}
