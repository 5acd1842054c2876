using Bulwark.Guard.Telemetry;

namespace Bulwark.Shop.WaitingRoom;

/// <summary>
/// How fast a room's line moves. Pure: the instance that holds the rooms' lock feeds it the gate's
/// statistics each tick and writes the frontier it answers.
/// </summary>
public sealed class Outflow(WaitingRoomOptions options)
{
    /// <summary>Longest stretch one tick may account for: after a pause (database away, lock moved) the line resumes, it does not jump.</summary>
    public static readonly TimeSpan MaxStep = TimeSpan.FromSeconds(1);

    private const double Smoothing = 0.3;

    /// <summary>Share of checkout's completions let out while the CPU is short: a multiplicative decrease, as in AIMD.</summary>
    private const double CpuBackoff = 0.8;

    private long? _checkoutsCompleted;

    /// <summary>Checkouts refused for time or room, as of the last look (a running count).</summary>
    private long _checkoutsRefused;

    /// <summary>
    /// Until the first sign of congestion the rate doubles what checkout completes, as TCP's slow start doubles its
    /// window each round trip: a room that starts at the floor (a sale opening on a shop that never measured checkout)
    /// reached what the shop could serve 7.5 s after the opening when it grew only by the gate's spare connections
    /// (lab sale: the gate's adaptive limit was in use at most looks, so a 250 ms look saw no headroom; half the sale
    /// sold at a fraction of the pace its last seconds showed possible).
    /// </summary>
    private bool _slowStart = true;

    /// <summary>The most checkouts per second ever seen completed (one look's reading).</summary>
    private double _peakServed;
    private double _rate = options.MinOutflowPerSecond;

    /// <summary>Checkouts per second the gate can serve, as last estimated (between the floor and the cap).</summary>
    public double Rate => _rate;

    /// <summary>Whether the rate still doubles what completes: no congestion seen yet.</summary>
    public bool SlowStart => _slowStart;

    /// <summary>
    /// Updates the estimate from a fresh look <paramref name="elapsed"/> after the last one. The measure is checkout's
    /// own completions (<see cref="CheckoutThroughput"/>): twice what completed until the first congestion (slow start,
    /// <see cref="SlowStart"/>), then scaled by how much of the gate's limit was in use: the completions say what
    /// checkout actually got, the limit over what was in use how much more the gate would give before queueing (Little's
    /// law with the same hold time), at most twice as much per tick.
    /// Idle, the rate grows back only to the most checkout was ever seen to complete: an idle gate says nothing of what
    /// checkout can take, and a rate ramped to the cap while a sale had not opened let a burst out at the opening.
    /// Queue delay is not the measure: keeping it near zero is what the room is for, so it carries no signal once the
    /// room works. Smoothed, clamped to the options.
    /// </summary>
    /// <param name="statistics">The gate's, now.</param>
    /// <param name="checkoutsCompleted">This instance's checkouts carried through so far (a running count).</param>
    /// <param name="elapsed">Since the last look.</param>
    /// <param name="cpuShort">
    /// The process runs its queued work late (the edge is about to shed, or sheds, below critical): the connections may
    /// have room while the CPU has none, so the line drops at once to a little less than checkout completes.
    /// Without it, a CPU-bound sale read an idle gate as room for twice its completions: admitted checkouts ran out of
    /// their deadline (263 in one lab sale) and buyers' cart updates were shed for the CPU the extra admissions took.
    /// </param>
    /// <param name="checkoutsRefused">
    /// This instance's checkouts refused so far because they could not be served in time (a running count): a rise counts
    /// as a short CPU does. Checkout's own refusals, not the gate's critical ones: the crowd arriving for a sale has its cart
    /// updates and joins refused for queue delay long before checkout is short of anything, and read as congestion they
    /// held the line at one buyer a second while the core idled (lab sale: sold out after 19.6 s instead of 6.6).
    /// </param>
    public double Update(GateStatistics statistics, long checkoutsCompleted, TimeSpan elapsed, bool cpuShort = false, long checkoutsRefused = 0)
    {
        var before = _checkoutsCompleted;
        _checkoutsCompleted = checkoutsCompleted;
        var refusedBefore = _checkoutsRefused;
        _checkoutsRefused = checkoutsRefused;
        if (before is null || elapsed <= TimeSpan.Zero)
        {
            return _rate;
        }

        var served = Math.Max(0, checkoutsCompleted - before.Value) / elapsed.TotalSeconds;
        _peakServed = Math.Max(_peakServed, served);
        if (cpuShort || checkoutsRefused > refusedBefore)
        {
            // At once, not smoothed, as AIMD decreases: admitted buyers pass the edge, so every tick at the old rate lets
            // in checkouts the core cannot serve before their deadline.
            _slowStart = false;
            _rate = Math.Clamp(Math.Min(_rate, served * CpuBackoff), options.MinOutflowPerSecond, options.MaxOutflowPerSecond);
            return _rate;
        }

        if (_slowStart && served > 0)
        {
            // Unsmoothed: a look is about one round trip (let out, told, checked out), and each doubles the rate.
            _rate = Math.Clamp(Math.Max(_rate, served * 2), options.MinOutflowPerSecond, options.MaxOutflowPerSecond);
            return _rate;
        }

        var headroom = statistics.InUse > 0 ? Math.Clamp((double)statistics.Limit / statistics.InUse, 1, 2) : 2;
        // Never below the current rate while checkouts complete: buyers just let out have not checked out yet.
        var target = served > 0
            ? Math.Max(served * headroom, _rate)
            : Math.Max(_rate, Math.Min(_rate * headroom, Math.Max(_peakServed, options.MinOutflowPerSecond)));
        _rate = Math.Clamp(_rate + Smoothing * (target - _rate), options.MinOutflowPerSecond, options.MaxOutflowPerSecond);
        return _rate;
    }

    /// <summary>
    /// The furthest a sale room's frontier may go: admitted buyers who have not checked out yet
    /// (<paramref name="outstanding"/>) plus the new ones must not outnumber the units left. A unit given back
    /// (a declined payment) raises the units left, and the line moves on for it. Counted from the last ticket the
    /// frontier passed, not from the frontier: places an idle room let in ahead of anyone holding them (its burst)
    /// are promised to the next buyers to join, so they take units too.
    /// </summary>
    public static double SaleCap(double frontier, long lastSequence, long outstanding, long unitsLeft) =>
        Math.Min(Math.Floor(frontier), lastSequence) + Math.Max(0, unitsLeft - outstanding);

    /// <summary>
    /// The frontier after <paramref name="elapsed"/> at <paramref name="rate"/>: never back, never more than
    /// <paramref name="burst"/> past the last ticket (an idle room admits that many at once, no more), and
    /// not at all while the room is closed (a sale before it opens: those who queue early keep their order).
    /// An open room's frontier is at least <paramref name="burst"/>, where a room first joined while open starts: a sale
    /// opens by letting its first buyers out at once, so that the first checkouts, which the rate is measured from,
    /// come a round trip after the opening rather than a second or more (at the floor of one a second) later.
    /// </summary>
    public static double Advance(double frontier, long lastSequence, TimeSpan elapsed, double rate, double burst, bool open)
    {
        if (!open)
        {
            return frontier;
        }

        var step = elapsed > MaxStep ? MaxStep : elapsed < TimeSpan.Zero ? TimeSpan.Zero : elapsed;
        return Math.Max(Math.Max(frontier, burst), Math.Min(frontier + rate * step.TotalSeconds, lastSequence + burst));
    }
}
