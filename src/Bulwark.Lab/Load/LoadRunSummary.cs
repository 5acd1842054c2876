namespace Bulwark.Lab.Load;

public enum RunEnd
{
    /// <summary>The whole schedule was sent.</summary>
    ScheduleDone,

    /// <summary>The request cap stopped the run early.</summary>
    RequestCap,

    /// <summary>Cancelled (Ctrl-C, or the run's time bound).</summary>
    Cancelled,
}

/// <summary>How the generator itself fared: what it sent, how late it got, how it stopped.</summary>
public sealed record LoadRunSummary(
    long Sent,
    long Dropped,
    int PeakInFlight,
    TimeSpan Elapsed,
    TimeSpan WorstDispatchLag,
    int StillInFlightAtEnd,
    RunEnd End);
