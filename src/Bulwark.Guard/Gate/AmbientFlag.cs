namespace Bulwark.Guard.Gate;

/// <summary>A yes/no that flows with the async call chain from where it is set, as <see cref="Deadlines.RequestDeadline"/> does.</summary>
public sealed class AmbientFlag
{
    private readonly AsyncLocal<bool> _value = new();

    /// <summary>True inside a flow marked by <see cref="Begin"/>.</summary>
    public bool Active => _value.Value;

    /// <summary>Marks the current flow and everything it calls; dispose to restore.</summary>
    public Scope Begin()
    {
        var previous = _value.Value;
        _value.Value = true;
        return new Scope(this, previous);
    }

    public readonly struct Scope(AmbientFlag flag, bool previous) : IDisposable
    {
        public void Dispose() => flag._value.Value = previous;
    }
}
