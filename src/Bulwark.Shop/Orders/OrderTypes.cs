namespace Bulwark.Shop.Orders;

public sealed record OrderLine(long ProductId, string Sku, string Name, int Quantity, long UnitPriceCents);

public sealed record Order(long OrderId, string Status, long TotalCents, string Currency, string? FailureReason,
    DateTime CreatedAt, DateTime UpdatedAt)
{
    public IReadOnlyList<OrderLine> Lines { get; init; } = [];
}
