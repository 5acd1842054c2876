namespace Bulwark.Shop.Payments;

public enum PaymentResult
{
    /// <summary>The gateway charged the customer.</summary>
    Succeeded,

    /// <summary>The gateway refused the charge (card declined, token rejected); nothing was charged.</summary>
    Declined,

    /// <summary>The gateway answered with an error; nothing was charged.</summary>
    Failed,

    /// <summary>No answer in time: the charge may or may not exist. Only the reconciler may decide.</summary>
    Unknown,

    /// <summary>Looked up by key: the gateway has no charge under it.</summary>
    NotFound,

    /// <summary>The request's deadline left no time to ask the gateway, so nothing was sent and nothing charged.</summary>
    NotAttempted,

    /// <summary>The gateway's circuit is open: the call was refused before it was sent, so nothing was charged.</summary>
    Unavailable,
}

/// <summary>What the gateway said; <paramref name="ChargeId"/> is the id of the charge, or of the refund for a refund.</summary>
public sealed record PaymentOutcome(PaymentResult Result, string? ChargeId, string Detail);

public sealed record ChargeRequest(long AmountCents, string Currency, string Token, string IdempotencyKey);

/// <summary>Money back on a charge, under a key of its own so that it happens at most once.</summary>
public sealed record RefundRequest(string ChargeId, long AmountCents, string IdempotencyKey);
