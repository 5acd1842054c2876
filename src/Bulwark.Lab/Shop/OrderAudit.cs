using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Shop;

/// <summary>The shop's own account of the run's orders, read back through each buyer's order list.</summary>
public sealed record AuditResult(
    bool Complete,
    IReadOnlyDictionary<string, long> OrdersByStatus,
    IReadOnlyDictionary<string, long>? LiveUnitsByProduct,
    string? Problem)
{
    public long Count(string status) => OrdersByStatus.TryGetValue(status, out var n) ? n : 0;
}

/// <summary>
/// After a run, asks the shop for every buyer's orders: an order whose checkout answer timed out
/// on the client still counts if the shop made it. Units per product (from order lines) feed the
/// oversell check against the stock recorded before the run.
/// </summary>
public static class OrderAudit
{
    /// <summary>Statuses that hold stock: everything but a failed or cancelled payment.</summary>
    static readonly HashSet<string> ReleasedStatuses = new(StringComparer.OrdinalIgnoreCase) { "payment_failed", "cancelled", "canceled", "failed" };

    const int PageSize = 100;

    public static async Task<AuditResult> RunAsync(ShopClients clients, IEnumerable<VirtualUser> buyers, ILogger logger, CancellationToken ct)
    {
        var statuses = new ConcurrentDictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        var units = new ConcurrentDictionary<string, long>();
        var linesKnown = true;
        var problems = new ConcurrentBag<string>();

        await Parallel.ForEachAsync(buyers.Where(b => b.Token is not null), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (buyer, token) =>
            {
                var api = clients.For(buyer);
                for (var page = 1; page <= 1_000; page++)
                {
                    var answer = await api.ListOrdersAsync(buyer.Token!, page, PageSize, token);
                    if (!answer.IsSuccess)
                    {
                        problems.Add($"GET /api/orders for {buyer.Email}: {answer.Describe()}");
                        return;
                    }
                    var json = answer.Json();
                    var orders = json.Items().ToList();
                    foreach (var order in orders)
                    {
                        var status = order.Property("status").Text() ?? "unknown";
                        statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                        if (ReleasedStatuses.Contains(status)) continue;

                        var lines = await LinesOfAsync(api, buyer, order, token);
                        if (lines is null)
                        {
                            linesKnown = false;
                            continue;
                        }
                        foreach (var (productId, quantity) in lines) units.AddOrUpdate(productId, quantity, (_, n) => n + quantity);
                    }
                    // A bare array is the whole list; a page object says whether more remain.
                    var total = json.ValueKind == JsonValueKind.Object ? json.Property("total").Number() : null;
                    if (orders.Count < PageSize || total is null || page * PageSize >= total) return;
                }
            });

        var problem = problems.IsEmpty ? null : $"{problems.Count} order lists unreadable, e.g. {problems.First()}";
        if (problem is not null) logger.LogWarning("Order audit incomplete: {Problem}", problem);
        return new AuditResult(
            problems.IsEmpty,
            statuses.ToDictionary(),
            linesKnown ? units.ToDictionary() : null,
            problem ?? (linesKnown ? null : "order lines not readable from the order API; oversell checked from confirmed checkouts only"));
    }

    /// <summary>The order's lines from the list entry, or from <c>GET /api/orders/{id}</c> when the list omits them.</summary>
    static async Task<IReadOnlyList<(string ProductId, long Quantity)>?> LinesOfAsync(ShopApi api, VirtualUser buyer, JsonElement order, CancellationToken ct)
    {
        var lines = ShopActions.ReadLines(order).Select(l => (l.Key, (long)l.Value)).ToList();
        if (lines.Count > 0) return lines;
        if (order.Property("orderId", "id").IdText() is not { } orderId) return null;

        var detail = await api.GetOrderAsync(buyer.Token!, orderId, ct);
        if (!detail.IsSuccess) return null;
        lines = [.. ShopActions.ReadLines(detail.Json()).Select(l => (l.Key, (long)l.Value))];
        return lines.Count > 0 ? lines : null;
    }
}
