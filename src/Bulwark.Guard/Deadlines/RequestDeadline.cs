namespace Bulwark.Guard.Deadlines;

/// <summary>
/// The instant by which the current unit of work must be finished. It flows with the async call
/// chain (set once at the edge) so that the gate, statement timeouts and outbound HTTP calls all
/// budget against the same clock without every method passing it along.
/// </summary>
public static class RequestDeadline
{
    private static readonly AsyncLocal<DateTimeOffset?> Ambient = new();

    /// <summary>The deadline of the current flow, or null when none was set.</summary>
    public static DateTimeOffset? Current => Ambient.Value;

    /// <summary>Sets the deadline for the current flow and everything it calls; dispose to restore the previous one.</summary>
    public static Scope Set(DateTimeOffset deadline)
    {
        var previous = Ambient.Value;
        Ambient.Value = deadline;
        return new Scope(previous);
    }

    /// <summary>Runs <paramref name="work"/> under <paramref name="deadline"/> when one is given, else under the current one.</summary>
    public static async Task<T> RunUnderAsync<T>(DateTimeOffset? deadline, Func<Task<T>> work)
    {
        if (deadline is not { } given)
        {
            return await work();
        }

        using (Set(given))
        {
            return await work();
        }
    }

    /// <summary>Time left until the current deadline, or <paramref name="fallback"/> when none is set.</summary>
    public static TimeSpan Remaining(TimeProvider clock, TimeSpan fallback)
    {
        var deadline = Ambient.Value;
        return deadline is null ? fallback : deadline.Value - clock.GetUtcNow();
    }

    /// <summary>Restores the deadline that was in force before <see cref="Set"/>.</summary>
    public readonly struct Scope(DateTimeOffset? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
