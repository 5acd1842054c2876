using Bulwark.Guard.Gate;
using Dapper;
using Npgsql;

namespace Bulwark.Shop.Orders;

/// <summary>Order reads, always scoped to the owner: another user's order is indistinguishable from a missing one.</summary>
public sealed class OrderStore(IDatabaseGate gate)
{
    public const int ListLimit = 100;

    private const string OrderColumns = """
        o.id AS OrderId, o.status, o.total_cents AS TotalCents, o.currency, o.failure_reason AS FailureReason,
        o.created_at AS CreatedAt, o.updated_at AS UpdatedAt
        """;

    public Task<IReadOnlyList<Order>> ListAsync(long userId, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Normal, cancellationToken, async (connection, token) =>
        {
            var orders = (await connection.QueryAsync<Order>(new CommandDefinition(
                $"SELECT {OrderColumns} FROM orders o WHERE o.user_id = @userId ORDER BY o.id DESC LIMIT @limit",
                new { userId, limit = ListLimit }, cancellationToken: token))).AsList();
            var lines = await LinesOfAsync(connection, orders.Select(o => o.OrderId).ToArray(), token);
            return (IReadOnlyList<Order>)orders.ConvertAll(order => order with { Lines = [.. lines[order.OrderId]] });
        });

    /// <summary>The lines of several orders in one query, by order id.</summary>
    internal static async Task<ILookup<long, OrderLine>> LinesOfAsync(NpgsqlConnection connection, long[] orderIds, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<OrderLineRow>(new CommandDefinition("""
            SELECT ol.order_id AS OrderId, ol.product_id AS ProductId, p.sku, p.name, ol.quantity, ol.unit_price_cents AS UnitPriceCents
            FROM order_lines ol JOIN products p ON p.id = ol.product_id
            WHERE ol.order_id = ANY (@orderIds) ORDER BY ol.order_id, ol.product_id
            """, new { orderIds }, cancellationToken: cancellationToken));
        return rows.ToLookup(row => row.OrderId, row => new OrderLine(row.ProductId, row.Sku, row.Name, row.Quantity, row.UnitPriceCents));
    }

    public Task<Order?> FindAsync(long userId, long orderId, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Normal, cancellationToken, async (connection, token) =>
        {
            var order = await connection.QuerySingleOrDefaultAsync<Order>(new CommandDefinition(
                $"SELECT {OrderColumns} FROM orders o WHERE o.id = @orderId AND o.user_id = @userId",
                new { userId, orderId }, cancellationToken: token));
            if (order is null)
            {
                return null;
            }

            var lines = await connection.QueryAsync<OrderLine>(new CommandDefinition("""
                SELECT ol.product_id AS ProductId, p.sku, p.name, ol.quantity, ol.unit_price_cents AS UnitPriceCents
                FROM order_lines ol JOIN products p ON p.id = ol.product_id
                WHERE ol.order_id = @orderId ORDER BY ol.product_id
                """, new { orderId }, cancellationToken: token));
            return order with { Lines = lines.AsList() };
        });

    private sealed record OrderLineRow(long OrderId, long ProductId, string Sku, string Name, int Quantity, long UnitPriceCents);
}
