namespace Bulwark.PaymentSandbox.Charges;

/// <summary>
/// <c>POST /v1/charges</c> as it arrives. Every field is nullable so that a missing one is reported by name
/// instead of silently becoming 0 or null.
/// </summary>
internal sealed record ChargeRequest(long? AmountCents, string? Currency, string? Token, string? IdempotencyKey)
{
    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>Checks every field and reports all problems at once, keyed by the JSON field name.</summary>
    public bool TryValidate(out ChargeTerms terms, out Dictionary<string, string[]> errors)
    {
        errors = [];
        if (AmountCents is not > 0)
        {
            errors["amountCents"] = ["amountCents is required and must be greater than 0 (minor units)."];
        }

        if (Currency is not { Length: 3 } || !Currency.All(char.IsAsciiLetter))
        {
            errors["currency"] = ["currency is required and must be a 3-letter ISO 4217 code, e.g. USD."];
        }

        var token = default(PaymentToken);
        if (string.IsNullOrWhiteSpace(Token))
        {
            errors["token"] = ["token is required."];
        }
        else if (!PaymentTokens.TryParse(Token, out token))
        {
            errors["token"] = [$"unknown payment token '{Token}'; the sandbox knows {string.Join(", ", PaymentTokens.Known)}."];
        }

        if (string.IsNullOrWhiteSpace(IdempotencyKey) || IdempotencyKey.Length > MaxIdempotencyKeyLength)
        {
            errors["idempotencyKey"] = [$"idempotencyKey is required and must be 1 to {MaxIdempotencyKeyLength} characters."];
        }

        terms = errors.Count == 0
            ? new ChargeTerms(AmountCents!.Value, Currency!.ToUpperInvariant(), token, IdempotencyKey!)
            : default!;
        return errors.Count == 0;
    }

    /// <summary>True when the token is the only thing wrong: the caller reached a real gateway with a bad card.</summary>
    public bool OnlyTokenIsUnknown(Dictionary<string, string[]> errors) =>
        errors.Count == 1 && errors.ContainsKey("token") && !string.IsNullOrWhiteSpace(Token);
}

/// <summary>A validated charge request. Two requests under one idempotency key must carry equal terms.</summary>
internal sealed record ChargeTerms(long AmountCents, string Currency, PaymentToken Token, string IdempotencyKey);
