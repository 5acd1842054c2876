namespace Bulwark.Shop.Checkout;

public sealed record CheckoutRequest(string PaymentToken);

/// <summary>What the client gets back for a checkout, new or repeated.</summary>
public sealed record OrderReceipt(long OrderId, string Status, long TotalCents);

public static class OrderStatus
{
    public const string PendingPayment = "pending_payment";
    public const string Paid = "paid";
    public const string PaymentFailed = "payment_failed";

    /// <summary>A refund was claimed and sent; the order still holds its stock until the gateway confirms it.</summary>
    public const string RefundPending = "refund_pending";

    /// <summary>Refunded by an admin; the stock is back.</summary>
    public const string Refunded = "refunded";

    /// <summary>Cancelled by its owner (and refunded); the stock is back.</summary>
    public const string Cancelled = "cancelled";

    public static readonly IReadOnlyList<string> All = [PendingPayment, Paid, PaymentFailed, RefundPending, Refunded, Cancelled];
}

/// <summary>The outcome of the first checkout transaction.</summary>
public abstract record Reservation
{
    /// <summary>Stock taken and the order recorded as pending payment.</summary>
    public sealed record Reserved(long OrderId, long TotalCents) : Reservation;

    /// <summary>This Idempotency-Key already made an order: answer that one, charge nothing.</summary>
    public sealed record Existing(OrderReceipt Order) : Reservation;

    public sealed record EmptyCart : Reservation;

    public sealed record OutOfStock(long ProductId, string Sku, int Requested, int Available) : Reservation;

    /// <summary>A line's product was hidden from the catalog (no longer sold) after it went into the cart.</summary>
    public sealed record NoLongerSold(long ProductId, string Sku) : Reservation;

    /// <summary>A line's product is held for a sale that has not started: it sells from <paramref name="StartsAt"/>, at the sale price.</summary>
    public sealed record SaleNotOpen(long ProductId, string Sku, long SaleId, DateTimeOffset StartsAt) : Reservation;

    /// <summary>
    /// A line's product is in an open sale whose units are gone (or fewer than asked): during the window it sells only
    /// at the sale price, so the regular stock waits for the window's end.
    /// </summary>
    public sealed record SaleSoldOut(long ProductId, string Sku, long SaleId, int Requested, int Available, DateTimeOffset EndsAt) : Reservation;
}
