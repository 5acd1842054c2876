using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Edge;

/// <summary>
/// Admitted requests being served now, by priority (counted by <see cref="AdmissionMiddleware"/> from admission to
/// answer, waiting at the gate included): what tells a resource whether more important work is there to yield to.
/// </summary>
public sealed class RequestsInFlight
{
    private readonly int[] _counts = new int[Enum.GetValues<Priority>().Length];

    /// <summary>Counts one request of <paramref name="priority"/> until the scope is disposed.</summary>
    public Scope Enter(Priority priority)
    {
        Interlocked.Increment(ref _counts[(int)priority]);
        return new Scope(this, priority);
    }

    public int Of(Priority priority) => Volatile.Read(ref _counts[(int)priority]);

    /// <summary>Requests in flight that matter more than <paramref name="priority"/>.</summary>
    public int MoreImportantThan(Priority priority)
    {
        var count = 0;
        for (var higher = 0; higher < (int)priority; higher++)
        {
            count += Volatile.Read(ref _counts[higher]);
        }

        return count;
    }

    public readonly struct Scope(RequestsInFlight owner, Priority priority) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref owner._counts[(int)priority]);
    }
}
