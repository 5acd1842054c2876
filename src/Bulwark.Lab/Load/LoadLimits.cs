namespace Bulwark.Lab.Load;

/// <summary>
/// Bounds that keep every run finite and the generator honest about what it could not send.
/// </summary>
public sealed record LoadLimits
{
    /// <summary>Requests in flight at once; arrivals beyond it are counted as dropped by the generator.</summary>
    public int MaxInFlight { get; init; } = 2_000;

    /// <summary>Give up on a request after this long (counted as a timeout, latency recorded as this).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Hard cap on requests sent in one run, whatever the schedule says.</summary>
    public long MaxRequests { get; init; } = 1_000_000;

    /// <summary>Hard cap on the length of the schedule of one run.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMinutes(15);

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInFlight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequests, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxDuration, TimeSpan.Zero);
    }
}
