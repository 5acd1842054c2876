namespace Bulwark.Shop.WaitingRoom;

/// <summary>
/// What the waiting room needs to know about scheduled sales, and no more: the sales feature implements it
/// over its own store. Both calls are made often (the first by every instance about every 250 ms per
/// sale room, the second by every checkout), so an implementation should answer from memory it keeps
/// fresh to within a second, not with a query per call.
/// </summary>
public interface ISaleQueueSource
{
    /// <summary>The sale's window and stock, or null when no such sale exists (or it was deleted).</summary>
    ValueTask<SaleQueueState?> FindAsync(long saleId, CancellationToken cancellationToken);

    /// <summary>The id of a sale open now whose items include one in this user's cart, or null.</summary>
    ValueTask<long?> OpenSaleForCartAsync(long userId, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the product is in a sale not yet over (upcoming or open, units left): putting it in a cart is the first
    /// step of queueing for it. From memory, on every cart change.
    /// </summary>
    bool InSale(long productId);
}

/// <param name="UnitsLeft">Sale units not yet sold; 0 means sold out.</param>
public sealed record SaleQueueState(long SaleId, DateTimeOffset StartsAt, DateTimeOffset EndsAt, long UnitsLeft)
{
    public bool SoldOut => UnitsLeft <= 0;

    public bool IsOpenAt(DateTimeOffset now) => now >= StartsAt && now < EndsAt;

    /// <summary>Nothing more can be bought from this sale: sold out or over.</summary>
    public bool IsOverAt(DateTimeOffset now) => SoldOut || now >= EndsAt;
}

/// <summary>The default until the sales feature registers its own: no sale exists, so only the general room is used.</summary>
public sealed class NoSales : ISaleQueueSource
{
    public ValueTask<SaleQueueState?> FindAsync(long saleId, CancellationToken cancellationToken) => ValueTask.FromResult<SaleQueueState?>(null);

    public ValueTask<long?> OpenSaleForCartAsync(long userId, CancellationToken cancellationToken) => ValueTask.FromResult<long?>(null);

    public bool InSale(long productId) => false;
}
