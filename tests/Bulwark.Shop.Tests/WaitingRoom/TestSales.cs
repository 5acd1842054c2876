using System.Collections.Concurrent;
using Bulwark.Shop.WaitingRoom;
using Npgsql;

namespace Bulwark.Shop.Tests.WaitingRoom;

/// <summary>
/// The sales the waiting-room tests set up by hand, standing in for the sales feature. A sale "holds" a cart
/// from the moment it is announced until it ends (so a test can make buyers queue before it opens).
/// </summary>
public sealed class TestSales(Func<string> connectionString) : ISaleQueueSource
{
    private readonly ConcurrentDictionary<long, (SaleQueueState State, long ProductId)> _sales = new();
    private long _nextSale = 1000;

    public long NewSaleId() => Interlocked.Increment(ref _nextSale);

    public void Put(long saleId, long productId, DateTimeOffset startsAt, DateTimeOffset endsAt, long unitsLeft) =>
        _sales[saleId] = (new SaleQueueState(saleId, startsAt, endsAt, unitsLeft), productId);

    public void Open(long saleId) => Update(saleId, state => state with { StartsAt = DateTimeOffset.UtcNow.AddSeconds(-1) });

    public void SellOut(long saleId) => Update(saleId, state => state with { UnitsLeft = 0 });

    public void SetUnitsLeft(long saleId, long unitsLeft) => Update(saleId, state => state with { UnitsLeft = unitsLeft });

    public ValueTask<SaleQueueState?> FindAsync(long saleId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_sales.TryGetValue(saleId, out var sale) ? sale.State : null);

    public async ValueTask<long?> OpenSaleForCartAsync(long userId, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var live = _sales.Values.Where(sale => now < sale.State.EndsAt).ToList();
        if (live.Count == 0)
        {
            return null;
        }

        await using var connection = new NpgsqlConnection(connectionString() + ";Maximum Pool Size=4");
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT product_id FROM cart_items WHERE user_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = userId });
        var inCart = new HashSet<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            inCart.Add(reader.GetInt64(0));
        }

        return live.FirstOrDefault(sale => inCart.Contains(sale.ProductId)).State?.SaleId;
    }

    public bool InSale(long productId) =>
        _sales.Values.Any(sale => sale.ProductId == productId && !sale.State.IsOverAt(DateTimeOffset.UtcNow));

    private void Update(long saleId, Func<SaleQueueState, SaleQueueState> change) =>
        _sales.AddOrUpdate(saleId, _ => throw new InvalidOperationException($"No sale {saleId}."), (_, sale) => (change(sale.State), sale.ProductId));
}
