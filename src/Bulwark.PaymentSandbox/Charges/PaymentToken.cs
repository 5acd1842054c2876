namespace Bulwark.PaymentSandbox.Charges;

/// <summary>The sandbox's test cards, as DESIGN.md lists them.</summary>
internal enum PaymentToken
{
    /// <summary><c>tok_visa</c>: approved at once.</summary>
    Visa,

    /// <summary><c>tok_declined</c>: declined by the issuer; still a charge, recorded as declined.</summary>
    Declined,

    /// <summary><c>tok_slow</c>: approved after <see cref="PaymentSandboxOptions.SlowTokenDelay"/>.</summary>
    Slow,

    /// <summary><c>tok_error</c>: the gateway fails with a 500 and charges nothing.</summary>
    Error,
}

internal static class PaymentTokens
{
    private static readonly Dictionary<string, PaymentToken> ByName = new(StringComparer.Ordinal)
    {
        ["tok_visa"] = PaymentToken.Visa,
        ["tok_declined"] = PaymentToken.Declined,
        ["tok_slow"] = PaymentToken.Slow,
        ["tok_error"] = PaymentToken.Error,
    };

    public static IEnumerable<string> Known => ByName.Keys;

    public static bool TryParse(string value, out PaymentToken token) => ByName.TryGetValue(value, out token);

    public static string NameOf(PaymentToken token) => ByName.First(pair => pair.Value == token).Key;
}
