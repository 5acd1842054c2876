using Bulwark.Guard.Deadlines;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Payments;

/// <summary>
/// How long one gateway call may take: whatever the request's deadline leaves, keeping back time to
/// record the outcome; <see cref="PaymentsOptions.CallTimeout"/> outside a request (the reconciler).
/// </summary>
public sealed class GatewayCallBudget(IOptions<PaymentsOptions> options, TimeProvider clock)
{
    /// <summary>Never less than this for a call that is sent at all: the timeout strategy needs a positive time.</summary>
    private static readonly TimeSpan Least = TimeSpan.FromMilliseconds(1);

    public TimeSpan Remaining()
    {
        var settings = options.Value;
        return RequestDeadline.Current is null
            ? settings.CallTimeout
            : RequestDeadline.Remaining(clock, settings.CallTimeout) - settings.SettleReserve;
    }

    /// <summary>
    /// The deadline for recording what the gateway said: whatever is left of the request's deadline, but never
    /// less than the settle reserve the call kept back. Money has moved (or certainly not), so it is recorded
    /// even if the client has gone; a database too slow even for that leaves the order for the reconciler.
    /// </summary>
    public RequestDeadline.Scope SettleDeadline()
    {
        var settings = options.Value;
        var left = RequestDeadline.Remaining(clock, settings.CallTimeout);
        return RequestDeadline.Set(clock.GetUtcNow() + (left > settings.SettleReserve ? left : settings.SettleReserve));
    }

    /// <summary>The timeout of a call about to be sent (evaluated in the caller's flow, so it sees the request's deadline).</summary>
    public TimeSpan ForAttempt()
    {
        var remaining = Remaining();
        return remaining > Least ? remaining : Least;
    }
}
