namespace Bulwark.PaymentSandbox.Charges;

/// <summary>How one <c>POST /v1/charges</c> ended, as the ledger sees it.</summary>
internal abstract record ChargeOutcome
{
    private ChargeOutcome() { }

    /// <summary>The charge for this key, new or replayed.</summary>
    public sealed record Charged(Charge Charge) : ChargeOutcome;

    /// <summary>The key already belongs to a request with other terms; nothing was charged.</summary>
    public sealed record KeyReused(ChargeTerms Original) : ChargeOutcome;

    /// <summary>The gateway failed; nothing was charged and the key is free again.</summary>
    public sealed record GatewayFailed : ChargeOutcome;
}
