namespace Bulwark.Guard.Budget;

/// <summary>
/// How many instances share the work right now: <c>Guard:Instances</c> when fixed, otherwise the live count
/// the shared connection budget saw at its last heartbeat (1 before the first). Per-client limits divide by
/// it, so N instances behind a proxy that spreads each client's requests allow one client the configured
/// rate in total, not N times it.
/// </summary>
public sealed class LiveInstances(Func<int> count)
{
    public int Count => Math.Max(1, count());
}
