using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Tests.Simulation;

/// <summary>How a simulated request ended, as its client saw it.</summary>
public enum SimOutcome
{
    Pending,

    /// <summary>Answered with data within its deadline.</summary>
    Completed,

    /// <summary>Answered with data after its deadline: the client (or its proxy) had given up.</summary>
    Late,

    /// <summary>503 from the edge before any work.</summary>
    Shed,

    /// <summary>Refused or expired by the gate without touching the database.</summary>
    Refused,

    /// <summary>Admitted, then cancelled by its statement timeout (or the pool's wait timeout).</summary>
    TimedOut,
}

public sealed class SimulatedRequest(TimeSpan arrival, Priority priority, double work, TimeSpan deadline)
{
    public TimeSpan Arrival { get; } = arrival;

    public Priority Priority { get; } = priority;

    /// <summary>Solo-seconds of database work.</summary>
    public double Work { get; } = work;

    public TimeSpan Deadline { get; } = deadline;

    public SimOutcome Outcome { get; private set; }

    public RejectionReason? Reason { get; private set; }

    public bool Admitted { get; set; }

    public TimeSpan End { get; private set; }

    public TimeSpan Latency => End - Arrival;

    public void Finish(TimeSpan now, SimOutcome outcome, RejectionReason? reason = null)
    {
        End = now;
        Outcome = outcome == SimOutcome.Completed && now - Arrival > Deadline ? SimOutcome.Late : outcome;
        Reason = reason;
    }
}
