namespace Bulwark.Guard.Gate;

/// <summary>Whether the guard protects the database.</summary>
public enum GuardMode
{
    /// <summary>Adaptive gate, priorities, deadlines, shedding, rate limits (the default).</summary>
    On,

    /// <summary>
    /// Like the platforms in the incident reports: Npgsql defaults (pool 100, 15 s wait, 30 s command
    /// timeout), every caller straight to the pool, no shedding, no rate limits. For side-by-side comparison.
    /// </summary>
    Off,
}
