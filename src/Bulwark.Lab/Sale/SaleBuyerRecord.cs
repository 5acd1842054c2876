namespace Bulwark.Lab.Sale;

/// <summary>How a flash-sale buyer's attempt ended.</summary>
public enum SaleEnd
{
    /// <summary>Paid: one of the sale's units.</summary>
    Bought,

    /// <summary>Told the sale's units are gone (a poll's <c>soldOut</c>, or checkout's 409).</summary>
    SoldOut,

    /// <summary>Still waiting or retrying when the run ended.</summary>
    GaveUp,

    /// <summary>An answer no buyer should get (5xx, a timeout, an unexpected 4xx).</summary>
    Failed,
}

/// <summary>
/// One buyer of a flash sale, as the lab saw them: when they arrived and joined the queue (seconds since the
/// sale's run began, the lab's clock), the position the shop gave them, when they were admitted, bought or
/// learned the sale was sold out. Polite buyers wait as told (<c>pollAfterSeconds</c>, <c>Retry-After</c>);
/// aggressive ones poll and retry ten times a second and join again, as a bot would. <c>Sequence</c> is the place
/// the shop recorded for the buyer's ticket (read from its database after the run): the order of joining as the
/// shop decided it, which the lab's clock can only approximate — joins answered within the same few milliseconds
/// reach the lab in any order. <c>Refusals</c>: the checkout answers that were not a purchase ("seconds status title"),
/// the first few, to tell after the run why a buyer was passed over. <c>CheckoutsRefused</c>: every checkout answered
/// 503, counted whether or not its text was kept.
/// </summary>
public sealed record SaleBuyerRecord(
    int Index,
    bool Aggressive,
    double ArrivedAt,
    double? JoinedAt,
    long? JoinPosition,
    double? AdmittedAt,
    double? BoughtAt,
    double? SoldOutAt,
    SaleEnd End,
    int Polls,
    string? Failure = null,
    string? Ticket = null,
    long? Sequence = null,
    IReadOnlyList<string>? Refusals = null,
    int CheckoutsRefused = 0)
{
    /// <summary>Refusals kept per buyer (<see cref="Refusals"/>): enough to tell why a buyer in front lost its unit.</summary>
    public const int MaxRefusals = 12;

    /// <summary>The moment this buyer's place in line was fixed: joining the room, or arriving where there is none.</summary>
    public double QueuedAt => JoinedAt ?? ArrivedAt;
}
