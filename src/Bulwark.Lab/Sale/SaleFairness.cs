namespace Bulwark.Lab.Sale;

/// <summary>What one kind of buyer (polite or aggressive) got out of the sale.</summary>
/// <param name="MedianPurchaseRank">Median place (1 = first) among all purchases, of this group's purchases.</param>
/// <param name="MedianQueueRank">Median place in the order of joining (1 = first), of this group's buyers.</param>
public sealed record BuyerGroup(string Name, int Buyers, int Bought, double BoughtShare, double MedianQueueRank, double MedianPurchaseRank);

/// <summary>
/// The sale's fairness and honesty, from the buyers' records alone. First come, first served means the units go
/// to the first buyers to queue: of the N who bought, how many were not among the first N to queue
/// (<see cref="OutOfOrderShare"/>; the target: ≤ 1 %). Aggressive buyers gain nothing when their share of
/// purchases and their median place match the polite ones'. Everyone still waiting when the last unit sells must
/// learn it within a second (<see cref="SoldOutDelays"/>).
/// </summary>
public static class SaleFairness
{
    /// <summary>
    /// Share of buyers who bought without being among the first as many to queue; NaN when nobody bought. The order
    /// of queueing is the shop's ticket sequence where buyers hold one (<paramref name="byLabClock"/> false), else the
    /// moment the lab saw the join answered.
    /// </summary>
    public static double OutOfOrderShare(IReadOnlyList<SaleBuyerRecord> buyers, bool byLabClock = false)
    {
        var bought = buyers.Count(b => b.End == SaleEnd.Bought);
        if (bought == 0) return double.NaN;
        var first = QueueOrder(buyers, byLabClock).Take(bought).Select(b => b.Index).ToHashSet();
        return buyers.Count(b => b.End == SaleEnd.Bought && !first.Contains(b.Index)) / (double)bought;
    }

    /// <summary>
    /// Buyers in the order they queued: by the shop's ticket sequence (those without a ticket — turned away as sold
    /// out, or with no waiting room — after, by the lab's clock), or by the lab's clock alone.
    /// </summary>
    public static IEnumerable<SaleBuyerRecord> QueueOrder(IReadOnlyList<SaleBuyerRecord> buyers, bool byLabClock = false) =>
        byLabClock
            ? buyers.OrderBy(b => b.QueuedAt).ThenBy(b => b.Index)
            : buyers.OrderBy(b => b.Sequence is null).ThenBy(b => b.Sequence).ThenBy(b => b.QueuedAt).ThenBy(b => b.Index);

    public static BuyerGroup Group(IReadOnlyList<SaleBuyerRecord> buyers, bool aggressive)
    {
        var queueRank = QueueOrder(buyers).Select((b, i) => (b.Index, Rank: i + 1)).ToDictionary(x => x.Index, x => x.Rank);
        var purchaseRank = buyers.Where(b => b.BoughtAt is not null).OrderBy(b => b.BoughtAt).ThenBy(b => b.Index)
            .Select((b, i) => (b.Index, Rank: i + 1)).ToDictionary(x => x.Index, x => x.Rank);
        var group = buyers.Where(b => b.Aggressive == aggressive).ToList();
        var bought = group.Count(b => b.End == SaleEnd.Bought);
        return new BuyerGroup(aggressive ? "aggressive" : "polite", group.Count, bought, group.Count == 0 ? double.NaN : bought / (double)group.Count,
            Median([.. group.Select(b => (double)queueRank[b.Index])]),
            Median([.. group.Where(b => purchaseRank.ContainsKey(b.Index)).Select(b => (double)purchaseRank[b.Index])]));
    }

    /// <summary>When the last unit sold (the last purchase's answer); NaN when nothing sold.</summary>
    public static double SellOutAt(IReadOnlyList<SaleBuyerRecord> buyers) =>
        buyers.Where(b => b.BoughtAt is not null).Select(b => b.BoughtAt!.Value).DefaultIfEmpty(double.NaN).Max();

    /// <summary>
    /// For every buyer who did not buy and was told the sale was sold out: seconds from the sell-out, or from their
    /// arrival when they came later, until they learned it (0 for those told before the last unit's answer came back,
    /// which happens when the last units are held by orders still being paid). Counted from the sell-out alone, a
    /// buyer arriving four seconds after it read as told four seconds late (a run that sold out in 5.6 s, while
    /// buyers still arrived until 10 s after the opening).
    /// </summary>
    public static IReadOnlyList<double> SoldOutDelays(IReadOnlyList<SaleBuyerRecord> buyers)
    {
        var sellOut = SellOutAt(buyers);
        if (double.IsNaN(sellOut)) return [];
        return [.. buyers.Where(b => b.End == SaleEnd.SoldOut && b.SoldOutAt is not null).Select(b => Math.Max(0, b.SoldOutAt!.Value - Math.Max(sellOut, b.ArrivedAt))).Order()];
    }

    /// <summary>Units sold per second from the first purchase's answer to the last; NaN with fewer than two.</summary>
    public static double SellOutRate(IReadOnlyList<SaleBuyerRecord> buyers)
    {
        var times = buyers.Where(b => b.BoughtAt is not null).Select(b => b.BoughtAt!.Value).Order().ToList();
        return times.Count < 2 || times[^1] <= times[0] ? double.NaN : (times.Count - 1) / (times[^1] - times[0]);
    }

    /// <summary>Checkouts answered 503, all buyers together (cart updates and joins refused are not checkouts).</summary>
    public static long CheckoutsRefused(IReadOnlyList<SaleBuyerRecord> buyers) => buyers.Sum(b => (long)b.CheckoutsRefused);

    public static double Percentile(IReadOnlyList<double> sorted, double percentile) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(sorted.Count * percentile / 100) - 1, 0, sorted.Count - 1)];

    static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
