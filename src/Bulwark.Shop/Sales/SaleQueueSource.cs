using System.Collections.Frozen;
using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Catalog;
using Bulwark.Shop.Database;
using Bulwark.Shop.WaitingRoom;
using Dapper;

namespace Bulwark.Shop.Sales;

/// <summary>
/// What the waiting room asks of sales, answered from a snapshot of the sales not yet over, read again every
/// <see cref="RefreshInterval"/>: a sale's window and units left (polled by every instance's ticker), and whether
/// a checkout's cart holds an item of an open sale. When no sale is open — nearly always — a checkout costs no query
/// at all; during one, one indexed read of the user's cart lines among the sale's products. The catalog lays the open
/// sales' prices over its answers from the same snapshot (<see cref="ICatalogSales"/>), judged open by the injected clock
/// at each answer, so a sale shows from its first instant even though the snapshot is read only every 250 ms.
/// </summary>
public sealed partial class SaleQueueSource(SaleCatalog catalog, IDatabaseGate gate, DatabaseReadiness readiness, WaitingRooms rooms,
    TimeProvider clock, ILogger<SaleQueueSource> logger)
    : BackgroundService, ISaleQueueSource, ICatalogSales
{
    /// <summary>How stale units left may be: "sold out" must reach the line within a second of the last unit.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How often the sales are read while none is being followed.</summary>
    public static readonly TimeSpan IdleRefreshInterval = RefreshInterval * IdleEvery;

    private const int IdleEvery = 8;

    private volatile Snapshot _snapshot = Snapshot.Empty;

    public async ValueTask<SaleQueueState?> FindAsync(long saleId, CancellationToken cancellationToken)
    {
        if (_snapshot.Sales.TryGetValue(saleId, out var known))
        {
            return known.State;
        }

        // Made since the last refresh, or already over: read it once.
        return await catalog.GetAsync(saleId, cancellationToken) is { } sale ? Entry.Of(sale).State : null;
    }

    public async ValueTask<long?> OpenSaleForCartAsync(long userId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        // Open by the time this checkout could reach its reservation: the database's now() at that transaction decides
        // the price, and a checkout let through a few milliseconds before the opening bought at the sale price without a
        // turn (lab sale: 23 units under load). Until its deadline, then: such a buyer is sent to the line, which
        // opens with the sale.
        var until = RequestDeadline.Current is { } deadline && deadline > now ? deadline : now;
        var open = _snapshot.ProductsOnSale(now, until);
        if (open.Count == 0)
        {
            return null;
        }

        var products = open.Keys.ToArray();
        var inCart = await gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
            await connection.QueryFirstOrDefaultAsync<long?>(new CommandDefinition(
                "SELECT product_id FROM cart_items WHERE user_id = @userId AND product_id = ANY(@products) ORDER BY product_id LIMIT 1",
                new { userId, products }, cancellationToken: token)));
        return inCart is { } productId ? open[productId] : null;
    }

    public bool InSale(long productId)
    {
        var now = clock.GetUtcNow();
        foreach (var (_, entry) in _snapshot.Sales)
        {
            if (!entry.State.IsOverAt(now) && Array.IndexOf(entry.Products, productId) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    public bool AnyOpen
    {
        get
        {
            var now = clock.GetUtcNow();
            foreach (var (_, entry) in _snapshot.Sales)
            {
                if (entry.State.IsOpenAt(now))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <remarks>
    /// Units left are the snapshot's (at most a refresh old); whether the window is open is judged now. Checkout decides
    /// by the database's clock, so around the opening and closing instants the two may differ by the clocks' skew.
    /// </remarks>
    public ProductSale? OpenSaleOf(long productId)
    {
        var now = clock.GetUtcNow();
        foreach (var (_, entry) in _snapshot.Sales)
        {
            if (entry.State.IsOpenAt(now))
            {
                foreach (var item in entry.Sale.Items)
                {
                    if (item.ProductId == productId)
                    {
                        return new ProductSale(entry.Sale.Id, entry.Sale.Name, item.PriceCents, item.UnitsLeft, entry.Sale.EndsAt);
                    }
                }
            }
        }

        return null;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval, clock);
        var tick = 0;
        do
        {
            // No sale to follow: look every eighth tick (a new sale starts in the future, and FindAsync reads one it
            // does not know yet), so a shop without sales does not hold a connection four times a second.
            if (!readiness.Migrated || (_snapshot.Sales.Count == 0 && tick++ % IdleEvery != 0))
            {
                continue;
            }

            try
            {
                var sales = await catalog.ActiveAsync(stoppingToken);
                _snapshot = new Snapshot(sales.Select(Entry.Of).ToFrozenDictionary(entry => entry.State.SaleId));
                // Straight to the lines that answer polls: the last unit's news reaches them a snapshot old, not a tick older.
                foreach (var (saleId, entry) in _snapshot.Sales)
                {
                    rooms.Refresh(saleId, entry.State);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The last snapshot stands until the database answers again; the ticker keeps moving the lines meanwhile.
                LogRefreshFailed(exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refresh the sales the waiting room follows; using the last ones read")]
    private partial void LogRefreshFailed(Exception exception);

    private sealed record Entry(SaleQueueState State, long[] Products, Sale Sale)
    {
        public static Entry Of(Sale sale) => new(new SaleQueueState(sale.Id, sale.StartsAt, sale.EndsAt, sale.Items.Sum(item => (long)item.UnitsLeft)),
            [.. sale.Items.Select(item => item.ProductId)], sale);
    }

    private sealed record Snapshot(FrozenDictionary<long, Entry> Sales)
    {
        public static Snapshot Empty { get; } = new(FrozenDictionary<long, Entry>.Empty);

        /// <summary>
        /// Product → the sale with units left it is in that is open at some instant from <paramref name="now"/> to
        /// <paramref name="until"/> (a product is in at most one sale at a time: overlaps are refused).
        /// </summary>
        public Dictionary<long, long> ProductsOnSale(DateTimeOffset now, DateTimeOffset until)
        {
            var open = new Dictionary<long, long>();
            foreach (var (saleId, entry) in Sales)
            {
                // A sold-out sale needs no turns: checkout answers its 409 at once rather than sending buyers to a line.
                if (entry.State.StartsAt <= until && now < entry.State.EndsAt && !entry.State.SoldOut)
                {
                    foreach (var product in entry.Products)
                    {
                        open[product] = saleId;
                    }
                }
            }

            return open;
        }
    }
}
