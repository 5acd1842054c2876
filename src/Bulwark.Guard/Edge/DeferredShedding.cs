using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Edge;

/// <summary>
/// Shedding moved from the edge to the gate for endpoints that usually answer without the database (from
/// a cache): refusing them up front would throw away answers that cost no connection. Such a request is
/// shed by the same queue-delay test only if and when it asks the gate for a connection.
/// </summary>
public static class DeferredShedding
{
    private static readonly AmbientFlag Flag = new();

    /// <summary>True inside a request whose shedding waits for the gate.</summary>
    public static bool Active => Flag.Active;

    /// <summary>Marks the current flow; dispose to restore.</summary>
    public static AmbientFlag.Scope Begin() => Flag.Begin();
}
