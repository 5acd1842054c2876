namespace Bulwark.Shop.Cart;

public sealed record CartLine(long ProductId, string Sku, string Name, long PriceCents, int Quantity, int Stock)
{
    public long LineTotalCents => PriceCents * Quantity;
}

public sealed record CartView(IReadOnlyList<CartLine> Items, long TotalCents);

public sealed record CartItemRequest(int Quantity);

/// <summary>What changing a cart line can come to.</summary>
public enum CartChange
{
    Saved,
    UnknownProduct,
    CartFull,
}
