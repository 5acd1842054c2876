using System.Globalization;

namespace Bulwark.Lab.Measurement;

/// <summary>
/// Whether a run measured the shop or the generator. A generator that sends late, or that has no CPU
/// to spare, makes the shop look better (fewer requests at once) or worse (latency that is its own):
/// such a run is reported, marked invalid, and left out of medians and capacity decisions.
/// </summary>
public sealed record RunValidity(bool Valid, string? Reason)
{
    /// <summary>Highest acceptable p99 of (actual − intended) send time.</summary>
    public const double MaxLagP99Ms = 10;

    /// <summary>Highest acceptable share of the load side's CPUs used by the load side.</summary>
    public const double MaxLoadShare = 0.9;

    public static RunValidity Ok { get; } = new(true, null);

    public static RunValidity Judge(double lagP99Ms, double loadShare)
    {
        var reasons = new List<string>();
        if (lagP99Ms > MaxLagP99Ms) reasons.Add(string.Create(CultureInfo.InvariantCulture, $"generator lag p99 {lagP99Ms:0.0} ms > {MaxLagP99Ms:0} ms"));
        if (loadShare > MaxLoadShare) reasons.Add(string.Create(CultureInfo.InvariantCulture, $"load side used {loadShare:P0} of its CPUs (> {MaxLoadShare:P0})"));
        return reasons.Count == 0 ? Ok : new RunValidity(false, string.Join("; ", reasons));
    }
}
