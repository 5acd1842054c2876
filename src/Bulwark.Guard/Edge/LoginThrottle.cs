using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Edge;

/// <summary>The answer to a sign-in attempt: refused (429) with when to come back, or go ahead.</summary>
public readonly record struct LoginDecision(bool Refused, TimeSpan RetryAfter)
{
    public static LoginDecision Admitted { get; } = new(false, TimeSpan.Zero);
}

/// <summary>
/// Against password guessing without locking out shoppers (OWASP's authentication guidance): only
/// <em>failed</em> sign-ins count, per client address and per account, so fifty colleagues behind one
/// office NAT all sign in, while thirty wrong passwords — on one account, or spread over many from one
/// address — are refused. The guard cannot know an outcome: the app asks <see cref="Admit"/> before the
/// expensive work (the password hash) and reports <see cref="RecordFailure"/> after it. The edge asks
/// <see cref="AdmitAddress"/> for endpoints marked <c>WithLoginThrottle()</c> before routing or reading
/// the body, so an address that has used up its failures costs no JSON and no hash.
/// </summary>
/// <remarks>
/// Keys are whatever the app passes (an address key from <see cref="ClientKeys.AddressOf"/>, a normalized
/// account name); the budgets are <see cref="LoginThrottleSettings"/>, read on every call so a runtime
/// settings change applies at once and keeps the failures counted so far.
/// </remarks>
public sealed class LoginThrottle(IGateControl control, GuardMode mode, TimeProvider clock, IGatePressure? pressure = null)
{
    private readonly FailureBudget _addresses = new(clock);
    private readonly FailureBudget _accounts = new(clock);

    /// <summary>For the edge: refused when the address has failed too often lately.</summary>
    public LoginDecision AdmitAddress(string addressKey)
    {
        if (mode == GuardMode.Off)
        {
            return LoginDecision.Admitted;
        }

        // The edge counts its own refusals.
        var settings = control.Settings.LoginThrottle;
        return _addresses.IsExhausted(addressKey, AddressRate(settings), out var wait) ? new LoginDecision(true, wait) : LoginDecision.Admitted;
    }

    /// <summary>For the handler, before verifying: refused when the address or the account has failed too often lately.</summary>
    public LoginDecision Admit(string addressKey, string account)
    {
        if (mode == GuardMode.Off)
        {
            return LoginDecision.Admitted;
        }

        var settings = control.Settings.LoginThrottle;
        var addressRefused = _addresses.IsExhausted(addressKey, AddressRate(settings), out var addressWait);
        var accountRefused = _accounts.IsExhausted(Key(account), AccountRate(settings), out var accountWait);
        return addressRefused || accountRefused
            ? Refuse(addressWait > accountWait ? addressWait : accountWait)
            : LoginDecision.Admitted;
    }

    /// <summary>For the handler, once the credentials turned out wrong (or the account unknown).</summary>
    public void RecordFailure(string addressKey, string account)
    {
        if (mode == GuardMode.Off)
        {
            return;
        }

        var settings = control.Settings.LoginThrottle;
        _addresses.RecordFailure(addressKey, AddressRate(settings));
        _accounts.RecordFailure(Key(account), AccountRate(settings));
    }

    private LoginDecision Refuse(TimeSpan retryAfter)
    {
        pressure?.RecordRejection(Priority.Normal, RejectionReason.LoginThrottled);
        return new LoginDecision(true, retryAfter);
    }

    private static string Key(string account) => account.Trim().ToLowerInvariant();

    private static FailureRate AddressRate(LoginThrottleSettings settings) =>
        FailureRate.PerMinute(settings.PerAddressPerMinute, settings.PerAddressBurst);

    private static FailureRate AccountRate(LoginThrottleSettings settings) =>
        FailureRate.PerMinute(settings.PerAccountPerMinute, settings.PerAccountBurst);
}
