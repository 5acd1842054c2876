using Bulwark.Guard.Gate;
using Bulwark.Shop.Catalog;
using Dapper;

namespace Bulwark.Shop.Orders;

/// <summary>Order reads for admins: any customer's orders, with who bought them and where their payment and refund stand.</summary>
public sealed class AdminOrderStore(IDatabaseGate gate)
{
    private const string Columns = """
        o.id AS OrderId, o.user_id AS UserId, u.email, o.status, o.total_cents AS TotalCents, o.currency,
        o.payment_id AS PaymentId, o.refund_id AS RefundId, o.refund_reason AS RefundReason, o.failure_reason AS FailureReason,
        o.created_at AS CreatedAt, o.updated_at AS UpdatedAt, o.refund_requested_at AS RefundRequestedAt
        """;

    private const string Filter = """
        (@Status::text IS NULL OR o.status = @Status)
        AND (@From::timestamptz IS NULL OR o.created_at >= @From)
        AND (@To::timestamptz IS NULL OR o.created_at < @To)
        AND (@UserId::bigint IS NULL OR o.user_id = @UserId)
        """;

    /// <summary>One page of the orders that pass the filter, newest first, and how many pass it.</summary>
    public Task<Paged<AdminOrder>> ListAsync(AdminOrderQuery query, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            var parameters = new
            {
                query.Status,
                From = query.From?.ToUniversalTime(),
                To = query.To?.ToUniversalTime(),
                query.UserId,
                limit = query.PageSize,
                offset = (query.Page - 1) * query.PageSize,
            };
            var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                $"SELECT count(*) FROM orders o WHERE {Filter}", parameters, cancellationToken: token));
            var orders = total == 0 ? [] : (await connection.QueryAsync<AdminOrder>(new CommandDefinition($"""
                SELECT {Columns} FROM orders o JOIN users u ON u.id = o.user_id WHERE {Filter}
                ORDER BY o.created_at DESC, o.id DESC LIMIT @limit OFFSET @offset
                """, parameters, cancellationToken: token))).AsList();
            var lines = await OrderStore.LinesOfAsync(connection, orders.Select(order => order.OrderId).ToArray(), token);
            return new Paged<AdminOrder>(orders.ConvertAll(order => order with { Lines = [.. lines[order.OrderId]] }), query.Page, query.PageSize, total);
        });

    public Task<AdminOrder?> FindAsync(long orderId, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            var order = await connection.QuerySingleOrDefaultAsync<AdminOrder>(new CommandDefinition(
                $"SELECT {Columns} FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = @orderId",
                new { orderId }, cancellationToken: token));
            return order is null ? null : order with { Lines = [.. (await OrderStore.LinesOfAsync(connection, [orderId], token))[orderId]] };
        });
}

/// <summary>The admin listing's filters; every one optional. <paramref name="To"/> is exclusive.</summary>
public sealed record AdminOrderQuery(string? Status, DateTimeOffset? From, DateTimeOffset? To, long? UserId, int Page, int PageSize);

/// <summary>An order as an operator sees it.</summary>
public sealed record AdminOrder(long OrderId, long UserId, string Email, string Status, long TotalCents, string Currency,
    string? PaymentId, string? RefundId, string? RefundReason, string? FailureReason, DateTime CreatedAt, DateTime UpdatedAt,
    DateTime? RefundRequestedAt)
{
    public IReadOnlyList<OrderLine> Lines { get; init; } = [];
}
