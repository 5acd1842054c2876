namespace Bulwark.Guard.Gate;

/// <summary>
/// The name of what the current flow is doing (the edge sets the endpoint's display name), carried with
/// the async call chain so a leaked lease can be reported by the code that holds it without every
/// data-access method taking a name parameter.
/// </summary>
public static class GateOperation
{
    private static readonly AsyncLocal<string?> Ambient = new();

    /// <summary>The current operation, or null when none was named.</summary>
    public static string? Current => Ambient.Value;

    /// <summary>Names the operation for the current flow; dispose to restore the previous name.</summary>
    public static Scope Begin(string operation)
    {
        var previous = Ambient.Value;
        Ambient.Value = operation;
        return new Scope(previous);
    }

    public readonly struct Scope(string? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
