using Microsoft.Extensions.Options;

namespace Bulwark.PaymentSandbox.Charges;

/// <summary>What the bank behind each sandbox token says.</summary>
internal sealed class CardIssuer(TimeProvider time, IOptions<PaymentSandboxOptions> options)
{
    /// <summary>
    /// The issuer's answer for <paramref name="token"/>, or null when the gateway itself fails (<c>tok_error</c>),
    /// in which case nothing is charged.
    /// </summary>
    public async Task<ChargeStatus?> AuthorizeAsync(PaymentToken token, CancellationToken cancellationToken)
    {
        switch (token)
        {
            case PaymentToken.Visa:
                return ChargeStatus.Succeeded;
            case PaymentToken.Declined:
                return ChargeStatus.Declined;
            case PaymentToken.Slow:
                await Task.Delay(options.Value.SlowTokenDelay, time, cancellationToken);
                return ChargeStatus.Succeeded;
            case PaymentToken.Error:
                return null;
            default:
                throw new ArgumentOutOfRangeException(nameof(token), token, "No behaviour defined for this token.");
        }
    }
}
