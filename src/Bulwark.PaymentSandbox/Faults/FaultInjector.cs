using Microsoft.Extensions.Options;

namespace Bulwark.PaymentSandbox.Faults;

/// <summary>Holds the current <see cref="FaultProfile"/> and applies it to each charge request.</summary>
internal sealed class FaultInjector(FaultDice dice, TimeProvider time, IOptions<PaymentSandboxOptions> options, ILogger<FaultInjector> logger)
{
    private FaultProfile _profile = FaultProfile.None;

    public FaultProfile Current => Volatile.Read(ref _profile);

    public void Set(FaultProfile profile)
    {
        Volatile.Write(ref _profile, profile);
        logger.LogInformation(
            "Payment sandbox faults set: latency {LatencyMs} ms, error rate {ErrorRate}, timeout rate {TimeoutRate}",
            profile.LatencyMs, profile.ErrorRate, profile.TimeoutRate);
    }

    /// <summary>
    /// Delays, hangs or fails one charge request as the current profile says; returns
    /// <see cref="InjectedFault.None"/> when the request should go on to be charged.
    /// </summary>
    public async Task<InjectedFault> ApplyAsync(CancellationToken cancellationToken)
    {
        // One snapshot per request so a profile changed mid-request cannot mix two profiles. Both dice are
        // always rolled so that, under a seed, request N meets the same draws whatever the rates are.
        var profile = Current;
        var hangs = dice.Roll() < profile.TimeoutRate;
        var fails = dice.Roll() < profile.ErrorRate;

        if (profile.LatencyMs > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(profile.LatencyMs), time, cancellationToken);
        }

        if (hangs)
        {
            // A hung gateway answers nothing; the caller's deadline is what ends this. The limit only keeps a
            // caller without a deadline from holding the request forever.
            await Task.Delay(options.Value.HangLimit, time, cancellationToken);
            return InjectedFault.Timeout;
        }

        return fails ? InjectedFault.Error : InjectedFault.None;
    }
}
