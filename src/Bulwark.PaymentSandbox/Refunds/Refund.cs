namespace Bulwark.PaymentSandbox.Refunds;

/// <summary>
/// A refund the sandbox made: money back on a succeeded charge. The sandbox refunds at once, so every stored
/// refund has succeeded; a refused refund is never stored.
/// </summary>
internal sealed record Refund(
    string Id,
    string ChargeId,
    string Status,
    long AmountCents,
    string Currency,
    string IdempotencyKey,
    DateTimeOffset CreatedAt)
{
    public const string Succeeded = "succeeded";
}

/// <summary><c>GET /v1/refunds</c>: how many refunds there are (of one charge, when asked) and the latest ones, newest first.</summary>
internal sealed record RefundList(int Count, long AmountCents, IReadOnlyList<Refund> Items);
