namespace Bulwark.Guard.Limits;

/// <summary>
/// Decides how many leases may be held at once from what the last window saw. Implementations are
/// pure: no clock of their own (time arrives in <see cref="LimitSample.At"/>), no threads, no I/O,
/// so the deterministic simulation can drive exactly the code that runs in production.
/// Callers serialise calls to <see cref="Update"/>.
/// </summary>
public interface ILimitAlgorithm
{
    /// <summary>The configuration name (<c>vegas</c>, <c>gradient2</c>, <c>aimd</c>, <c>fixed</c>).</summary>
    string Name { get; }

    /// <summary>The limit in force now, always within the bounds.</summary>
    int Current { get; }

    /// <summary>Takes one window's evidence and answers the new limit.</summary>
    int Update(LimitSample sample);

    /// <summary>Moves the bounds (runtime configuration, a new ceiling); the current limit is clamped into them.</summary>
    void SetBounds(LimitBounds bounds);
}
