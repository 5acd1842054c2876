namespace Bulwark.PaymentSandbox.Refunds;

/// <summary>
/// <c>POST /v1/refunds</c> as it arrives. Every field is nullable so that a missing one is reported by name.
/// </summary>
internal sealed record RefundRequest(string? ChargeId, long? AmountCents, string? IdempotencyKey)
{
    public const int MaxIdLength = 200;

    public bool TryValidate(out RefundTerms terms, out Dictionary<string, string[]> errors)
    {
        errors = [];
        if (string.IsNullOrWhiteSpace(ChargeId) || ChargeId.Length > MaxIdLength)
        {
            errors["chargeId"] = [$"chargeId is required and must be 1 to {MaxIdLength} characters."];
        }

        if (AmountCents is not > 0)
        {
            errors["amountCents"] = ["amountCents is required and must be greater than 0 (minor units)."];
        }

        if (string.IsNullOrWhiteSpace(IdempotencyKey) || IdempotencyKey.Length > MaxIdLength)
        {
            errors["idempotencyKey"] = [$"idempotencyKey is required and must be 1 to {MaxIdLength} characters."];
        }

        terms = errors.Count == 0 ? new RefundTerms(ChargeId!, AmountCents!.Value, IdempotencyKey!) : default!;
        return errors.Count == 0;
    }
}

/// <summary>A validated refund request. Two requests under one idempotency key must carry equal terms.</summary>
internal sealed record RefundTerms(string ChargeId, long AmountCents, string IdempotencyKey);

/// <summary>How one <c>POST /v1/refunds</c> ended, as the ledger sees it.</summary>
internal abstract record RefundOutcome
{
    private RefundOutcome() { }

    /// <summary>The refund for this key, new or replayed.</summary>
    public sealed record Refunded(Refund Refund) : RefundOutcome;

    /// <summary>The key already belongs to a refund with other terms; nothing was refunded.</summary>
    public sealed record KeyReused(RefundTerms Original) : RefundOutcome;

    /// <summary>No charge has this id.</summary>
    public sealed record UnknownCharge : RefundOutcome;

    /// <summary>The charge cannot give this much back: it was declined, or earlier refunds leave less than asked.</summary>
    public sealed record NotRefundable(long RefundableCents, string Reason) : RefundOutcome;
}
