using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Edge;

/// <summary>
/// Which of a request's database work the gate still judges by its priority's queue-delay target, because the edge did
/// not: all of it for an endpoint that usually answers from a cache (the edge leaves its shedding to the gate, since a
/// hit costs no connection), and, for a request the edge judged at its endpoint's priority, work the handler does at a
/// lower one. A purchase's cart update is such work: written at normal priority from a critical endpoint (so a crowd
/// filling carts cannot starve checkouts), it met no queue-delay target at all and waited at the gate behind the
/// checkouts until its deadline was hopeless — 10,240 cart updates refused after up to 1.5 s at 5× the mix (lab bench,
/// 2026-12-03), and the purchases admitted late, past their objective. Held to its endpoint's target, it is refused
/// once its line is longer than the purchase can wait, or served in time.
/// </summary>
public static class GateShedding
{
    private static readonly AsyncLocal<Judged?> Current = new();

    // One instance per state: setting the ambient value allocates nothing.
    private static readonly Judged Deferred = new(-1);

    /// <summary>A request holding a turn given out upstream (a waiting room's admission): nothing left to judge.</summary>
    private static readonly Judged Metered = new(int.MaxValue);
    private static readonly Judged[] ByPriority = [.. Enum.GetValues<Priority>().Select(p => new Judged((int)p))];

    /// <summary>
    /// The priority whose queue-delay target the gate holds work of <paramref name="work"/> priority to in the current
    /// request, or null when the edge already judged it: the work's own for a cache-first endpoint, the endpoint's for work
    /// below it (a purchase's cart update may wait as long as the purchase could; held to normal's 10 ms it was refused in
    /// incident 3's sign-in storm, and checkouts within the objective fell from 16.6 to 13.1 a second, one replay each).
    /// </summary>
    public static Priority? TargetFor(Priority work) => Current.Value switch
    {
        { UpTo: < 0 } => work,
        { } judged when (int)work > judged.UpTo => (Priority)judged.UpTo,
        _ => null,
    };

    /// <summary>
    /// Whether the current request holds a turn given out upstream (<see cref="MeteredUpstream"/>): queues of its own
    /// that the edge cannot see (a coalescer's) should let it wait out its deadline as the gate does, not hold it to a
    /// queue-delay target — whatever let it in already measured how many such requests can be served.
    /// </summary>
    public static bool IsMeteredUpstream => ReferenceEquals(Current.Value, Metered);

    /// <summary>The edge left every priority of this request to the gate (a cache-first endpoint).</summary>
    public static Scope DeferAll() => Set(Deferred);

    /// <summary>The edge let this request through on a turn given out upstream: no queue-delay target anywhere below.</summary>
    public static Scope MeteredUpstream() => Set(Metered);

    /// <summary>The edge judged this request at <paramref name="priority"/>: the gate judges only work below it.</summary>
    public static Scope JudgedAt(Priority priority) => Set(ByPriority[(int)priority]);

    private static Scope Set(Judged judged)
    {
        var previous = Current.Value;
        Current.Value = judged;
        return new Scope(previous);
    }

    private sealed record Judged(int UpTo);

    public readonly struct Scope : IDisposable
    {
        private readonly Judged? _previous;

        internal Scope(object? previous) => _previous = (Judged?)previous;

        public void Dispose() => Current.Value = _previous;
    }
}
