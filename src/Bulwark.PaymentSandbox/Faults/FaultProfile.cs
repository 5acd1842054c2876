namespace Bulwark.PaymentSandbox.Faults;

/// <summary>
/// Faults injected into every charge request until changed.
/// </summary>
/// <param name="LatencyMs">Delay added before the gateway looks at the charge.</param>
/// <param name="ErrorRate">Probability (0..1) that the gateway answers 500 and charges nothing.</param>
/// <param name="TimeoutRate">Probability (0..1) that the gateway hangs until the client gives up, charging nothing.</param>
internal sealed record FaultProfile(int LatencyMs, double ErrorRate, double TimeoutRate)
{
    public static readonly FaultProfile None = new(0, 0, 0);
}
