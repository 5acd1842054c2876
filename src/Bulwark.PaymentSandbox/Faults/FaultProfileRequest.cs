namespace Bulwark.PaymentSandbox.Faults;

/// <summary>
/// <c>POST /v1/faults</c> as it arrives. The posted profile replaces the current one whole; an omitted field is 0.
/// </summary>
internal sealed record FaultProfileRequest(int? LatencyMs, double? ErrorRate, double? TimeoutRate)
{
    // Latency longer than the hang limit would just be a slower timeout; keep the two faults distinct.
    public const int MaxLatencyMs = 60_000;

    public bool TryValidate(out FaultProfile profile, out Dictionary<string, string[]> errors)
    {
        errors = [];
        if (LatencyMs is < 0 or > MaxLatencyMs)
        {
            errors["latencyMs"] = [$"latencyMs must be between 0 and {MaxLatencyMs}."];
        }

        if (!IsProbability(ErrorRate))
        {
            errors["errorRate"] = ["errorRate must be a probability between 0 and 1."];
        }

        if (!IsProbability(TimeoutRate))
        {
            errors["timeoutRate"] = ["timeoutRate must be a probability between 0 and 1."];
        }

        profile = new FaultProfile(LatencyMs ?? 0, ErrorRate ?? 0, TimeoutRate ?? 0);
        return errors.Count == 0;
    }

    private static bool IsProbability(double? rate) => rate is null || (double.IsFinite(rate.Value) && rate is >= 0 and <= 1);
}
