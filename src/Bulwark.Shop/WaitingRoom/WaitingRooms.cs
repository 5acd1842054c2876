using System.Collections.Concurrent;
using System.Globalization;
using Bulwark.Guard.Gate;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.WaitingRoom;

/// <summary>
/// This instance's view of every room: their lines (fed by <see cref="WaitingRoomTicker"/>), the state of
/// the sales behind sale rooms, and whether checkout is busy enough that everyone must queue.
/// </summary>
public sealed class WaitingRooms(IOptions<WaitingRoomOptions> options, TimeProvider clock, IGatePressure pressure, IGateControl gate)
{
    public const string GeneralRoom = "general";

    public const string SalePrefix = "sale-";

    private readonly ConcurrentDictionary<string, WaitingLine> _lines = new();
    private readonly ConcurrentDictionary<long, SaleQueueState?> _sales = new();
    private readonly ConcurrentDictionary<long, byte> _salesToLearn = new();

    public WaitingRoomOptions Options => options.Value;

    public static string SaleRoom(long saleId) => SalePrefix + saleId.ToString(CultureInfo.InvariantCulture);

    /// <summary>The sale a room queues for, or null for the general room.</summary>
    public static long? SaleOf(string room) =>
        room.StartsWith(SalePrefix, StringComparison.Ordinal)
        && long.TryParse(room.AsSpan(SalePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var saleId) ? saleId : null;

    public WaitingLine Line(string room) => _lines.GetOrAdd(room, _ => new WaitingLine(clock, options.Value.AdmissionLifetime));

    public IEnumerable<KeyValuePair<string, WaitingLine>> Lines => _lines;

    /// <summary>The sale as last read on a tick (at most a tick old), or null when unknown or gone.</summary>
    public SaleQueueState? Sale(long saleId) => _sales.TryGetValue(saleId, out var sale) ? sale : null;

    /// <summary>
    /// False while this instance has not read the sale yet (a ticket issued by another instance, polled
    /// here first): the sale is then fetched on the next tick, and until then it is not taken for gone.
    /// </summary>
    public bool KnowsSale(long saleId)
    {
        if (_sales.ContainsKey(saleId))
        {
            return true;
        }

        _salesToLearn.TryAdd(saleId, 0);
        return false;
    }

    public void Remember(long saleId, SaleQueueState? sale)
    {
        _sales[saleId] = sale;
        _salesToLearn.TryRemove(saleId, out _);
        if (IsOver(sale) && _lines.TryGetValue(SaleRoom(saleId), out var line))
        {
            // Sold out, over or gone: every poll held on this sale's line answers now, not when its hold runs out.
            line.Waiters.ReleaseAll();
        }
    }

    /// <summary>
    /// Takes in a fresher reading of a sale this instance already follows (the sales' own snapshot, as soon as it
    /// is read): without it, "sold out" would wait for the next tick on top of the snapshot's age. Sales nobody
    /// queues for are left alone, so that an upcoming sale does not set the ticker going.
    /// </summary>
    public void Refresh(long saleId, SaleQueueState sale)
    {
        if (_sales.ContainsKey(saleId) || _salesToLearn.ContainsKey(saleId))
        {
            Remember(saleId, sale);
        }
    }

    /// <summary>Every sale this instance follows or was asked about: what the tick refreshes.</summary>
    public IEnumerable<long> KnownSales => _sales.Keys.Union(_salesToLearn.Keys);

    private DateTimeOffset? _overloadedSince;
    private volatile bool _checkoutOverloaded;

    /// <summary>
    /// True while checkout is over what the gate serves, or the general room still holds people (letting
    /// newcomers past them the moment the queue dips would undo the fairness).
    /// </summary>
    public bool GeneralRoomRequired =>
        _checkoutOverloaded || (_lines.TryGetValue(GeneralRoom, out var line) && line.Waiting > 0);

    /// <summary>
    /// Called on every tick. Checkout counts as over capacity once the gate's critical queue delay has stood
    /// above a fraction of its target (so the room takes over before the edge sheds checkouts with 503),
    /// outside a burst the gate can absorb, on every tick for <see cref="WaitingRoomOptions.GeneralRoomAfter"/>:
    /// twenty checkouts arriving together queue for a moment and are served; that is not an overload, and
    /// sending them to a room would only slow them down.
    /// </summary>
    public void SampleCheckoutPressure()
    {
        var settings = gate.Settings;
        var target = settings.QueueDelayTargets.Critical;
        var over = options.Value.GeneralRoom
            && pressure.EstimatedQueueDelay(Priority.Critical) > target * options.Value.GeneralRoomAtTargetFraction
            && !pressure.AbsorbingBurst(Priority.Critical, target, settings.ShedAfter);
        var now = clock.GetUtcNow();
        _overloadedSince = over ? _overloadedSince ?? now : null;
        _checkoutOverloaded = _overloadedSince is { } since && now - since >= options.Value.GeneralRoomAfter;
    }

    /// <summary>
    /// Buyers waiting in a room's line: none once its sale is sold out, over or gone — they are told so on their next
    /// poll, and an operator reading "1,000 in line" for a sale that sold out minutes ago would look for a stuck line.
    /// </summary>
    public long WaitingIn(string room, WaitingLine line) => SaleOf(room) is { } saleId && SaleIsOver(saleId) ? 0 : line.Waiting;

    /// <summary>The rate a room's line is let out at: 0 while it may not move (a sale not open yet, sold out or over).</summary>
    public double OutflowOf(string room, WaitingLine line) => IsOpen(room) ? line.Outflow : 0;

    /// <summary>
    /// Rooms that split checkout's capacity: those whose line may move and holds someone. A sale not open yet, sold out
    /// or over moves nobody, so it takes no share: counted, a sold-out sale's line (buyers told so on their next poll)
    /// would halve the general room's rate until the sale's window closed.
    /// </summary>
    public int RoomsSharingCheckout => _lines.Count(pair => pair.Value.Waiting > 0 && IsOpen(pair.Key));

    /// <summary>
    /// Whether a sale this instance has read is sold out, over or gone: nothing more can be bought from it. False while
    /// the sale is unknown here (see <see cref="KnowsSale"/>), which is not taken for gone.
    /// </summary>
    public bool SaleIsOver(long saleId) => _sales.TryGetValue(saleId, out var sale) && IsOver(sale);

    private bool IsOver(SaleQueueState? sale) => sale is null || sale.IsOverAt(clock.GetUtcNow());

    /// <summary>Whether a room's line may move now: the general room always, a sale room while its sale is open and not sold out.</summary>
    public bool IsOpen(string room) =>
        SaleOf(room) is not { } saleId || Sale(saleId) is { } sale && sale.IsOpenAt(clock.GetUtcNow()) && !sale.SoldOut;
}
