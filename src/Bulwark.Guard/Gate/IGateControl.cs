namespace Bulwark.Guard.Gate;

/// <summary>
/// Changes admission while the service runs: the operations API applies versioned settings through it
/// (and rolls back by applying an older version).
/// </summary>
public interface IGateControl
{
    /// <summary>The settings in force.</summary>
    GateSettings Settings { get; }

    /// <summary>The most leases this instance may hold, from the server (before any operator cap).</summary>
    int ServerCeiling { get; }

    /// <summary>
    /// Validates and swaps in <paramref name="settings"/> at once, without restart. Throws
    /// <see cref="ArgumentException"/> naming every problem; nothing changes then.
    /// </summary>
    void Apply(GateSettings settings);

    /// <summary>
    /// Sets this instance's share of a connection budget shared with other instances (at least 1, at most
    /// the pool). A smaller share also closes idle pooled connections, so the instance holds no more than it
    /// claims once the leases in use return.
    /// </summary>
    void SetShare(int connections);

    /// <summary>Re-reads max_connections and the reserves from the server and moves the ceiling; answers the new ceiling.</summary>
    Task<int> RefreshCeilingAsync(CancellationToken cancellationToken);
}
