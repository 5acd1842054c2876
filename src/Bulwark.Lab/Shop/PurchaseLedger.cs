using System.Collections.Concurrent;

namespace Bulwark.Lab.Shop;

/// <summary>One order as the buyer saw it confirmed: what it contained and the status the shop gave.</summary>
public sealed record ConfirmedOrder(string OrderId, string Status, IReadOnlyDictionary<string, int> Lines);

/// <summary>
/// Orders the lab saw the shop confirm (201/200 at checkout), with the cart the buyer had. The
/// client's view: an order whose answer timed out is missing here, which is why the run also audits
/// the shop's own order lists afterwards.
/// </summary>
public sealed class PurchaseLedger
{
    readonly ConcurrentDictionary<string, ConfirmedOrder> _orders = new();

    public IReadOnlyCollection<ConfirmedOrder> Orders => [.. _orders.Values];

    public void Confirm(ConfirmedOrder order) => _orders[order.OrderId] = order;

    public long UnitsOf(string productId) => _orders.Values.Sum(o => o.Lines.TryGetValue(productId, out var q) ? q : 0);
}
