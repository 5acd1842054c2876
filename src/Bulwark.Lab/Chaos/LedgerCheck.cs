using System.Globalization;

namespace Bulwark.Lab.Chaos;

/// <summary>One order as PostgreSQL holds it: its status and units per product.</summary>
public sealed record LedgerOrder(long Id, string Status, IReadOnlyDictionary<long, long> Lines);

/// <summary>A charge as the gateway shows it.</summary>
public sealed record GatewayCharge(string Id, string IdempotencyKey, string Status);

/// <summary>An order the buyer was answered 2xx for, with the status in that answer (paid, or pending_payment on a 202).</summary>
public sealed record AnsweredOrder(long Id, string Status);

/// <summary>
/// Everything the ledger check compares, read after the reconciler has settled what a fault left in flight:
/// what was stored (orders, stock), what the gateway charged, and what the clients were told.
/// </summary>
/// <param name="Charges">Charges the gateway showed: looked up by each order's key, and its latest list.</param>
/// <param name="GatewaySucceeded">The gateway's own count of succeeded charges, seen or not.</param>
/// <param name="InitialStock">Every product's stock before any load (no top-ups happen during a chaos run).</param>
public sealed record LedgerSnapshot(
    IReadOnlyList<LedgerOrder> Orders,
    IReadOnlyList<GatewayCharge> Charges,
    long GatewaySucceeded,
    IReadOnlyDictionary<long, long> InitialStock,
    IReadOnlyDictionary<long, long> Stock,
    IReadOnlyList<AnsweredOrder> Answered);

/// <summary>The check's counts; it passes when every count of a problem is zero.</summary>
public sealed record LedgerVerdict(
    long Orders,
    long Paid,
    long Failed,
    long SucceededCharges,
    long Unsettled,
    long PaidWithoutCharge,
    long ChargesWithoutPaidOrder,
    long DoubleCharged,
    long StockMismatches,
    long LostOrders,
    IReadOnlyList<string> Problems)
{
    public bool Passed => Problems.Count == 0;
}

/// <summary>
/// Jepsen's question for a shop: does what the clients were told, what the database stored and what the
/// gateway charged agree? Every paid order has exactly one succeeded charge under its key, no succeeded
/// charge lacks a paid order, nothing is left pending, no answered order is missing, and for every product
/// initial stock = stock + units in live (paid, pending) orders.
/// </summary>
public static class LedgerCheck
{
    public const string Paid = "paid";
    public const string Pending = "pending_payment";
    public const string Failed = "payment_failed";
    public const string Succeeded = "succeeded";

    /// <summary>The gateway idempotency key the shop charges an order under (README: <c>order-{id}</c>).</summary>
    public static string KeyFor(long orderId) => string.Create(CultureInfo.InvariantCulture, $"order-{orderId}");

    public static LedgerVerdict Judge(LedgerSnapshot ledger)
    {
        var problems = new List<string>();
        var orders = ledger.Orders.ToDictionary(o => KeyFor(o.Id));
        // A charge read twice (by key and in the list) is one charge.
        var succeeded = ledger.Charges.Where(c => c.Status == Succeeded).DistinctBy(c => c.Id).ToList();
        var chargesByKey = succeeded.ToLookup(c => c.IdempotencyKey);

        var unsettled = Ids(ledger.Orders.Where(o => o.Status == Pending));
        Report(problems, unsettled, "orders still pending_payment after the reconciler's time");

        var paidWithoutCharge = Ids(ledger.Orders.Where(o => o.Status == Paid && !chargesByKey[KeyFor(o.Id)].Any()));
        Report(problems, paidWithoutCharge, "paid orders without a succeeded charge");

        var doubleCharged = chargesByKey.Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Report(problems, doubleCharged, "orders charged more than once");

        var withoutPaidOrder = succeeded.Where(c => !orders.TryGetValue(c.IdempotencyKey, out var order) || order.Status != Paid).Select(c => c.IdempotencyKey).ToList();
        // The gateway counted charges the lab never saw (neither under an order's key nor in its latest list): none of them has a paid order.
        var unseen = Math.Max(0, ledger.GatewaySucceeded - succeeded.Count);
        Report(problems, withoutPaidOrder, "succeeded charges without a paid order", unseen);

        var mismatches = StockMismatches(ledger).ToList();
        Report(problems, mismatches, "products whose stock + live units differ from the initial stock");

        var lost = LostOrders(ledger, orders).ToList();
        Report(problems, lost, "orders answered to a buyer that the database lost or changed");

        return new LedgerVerdict(
            ledger.Orders.Count,
            ledger.Orders.Count(o => o.Status == Paid),
            ledger.Orders.Count(o => o.Status == Failed),
            Math.Max(ledger.GatewaySucceeded, succeeded.Count),
            unsettled.Count,
            paidWithoutCharge.Count,
            withoutPaidOrder.Count + unseen,
            doubleCharged.Count,
            mismatches.Count,
            lost.Count,
            problems);
    }

    static IEnumerable<string> StockMismatches(LedgerSnapshot ledger)
    {
        var live = new Dictionary<long, long>();
        foreach (var order in ledger.Orders.Where(o => o.Status is Paid or Pending))
            foreach (var (product, units) in order.Lines)
                live[product] = live.GetValueOrDefault(product) + units;

        foreach (var product in ledger.InitialStock.Keys.Union(ledger.Stock.Keys).Union(live.Keys).Order())
        {
            var initial = ledger.InitialStock.GetValueOrDefault(product);
            var now = ledger.Stock.GetValueOrDefault(product);
            var units = live.GetValueOrDefault(product);
            if (initial != now + units)
                yield return string.Create(CultureInfo.InvariantCulture, $"product {product}: initial {initial} ≠ stock {now} + live units {units}");
        }
    }

    /// <summary>An order a buyer was answered for must exist; one answered paid must still be paid.</summary>
    static IEnumerable<string> LostOrders(LedgerSnapshot ledger, IReadOnlyDictionary<string, LedgerOrder> orders)
    {
        foreach (var answered in ledger.Answered.OrderBy(a => a.Id))
        {
            if (!orders.TryGetValue(KeyFor(answered.Id), out var stored))
                yield return string.Create(CultureInfo.InvariantCulture, $"order {answered.Id} (answered {answered.Status}) is not in the database");
            else if (answered.Status == Paid && stored.Status != Paid)
                yield return string.Create(CultureInfo.InvariantCulture, $"order {answered.Id} was answered paid and is now {stored.Status}");
        }
    }

    static List<string> Ids(IEnumerable<LedgerOrder> orders) => [.. orders.Select(o => o.Id.ToString(CultureInfo.InvariantCulture))];

    static void Report(List<string> problems, IReadOnlyList<string> found, string what, long more = 0)
    {
        var count = found.Count + more;
        if (count == 0) return;
        var examples = found.Count == 0 ? "" : $" (e.g. {string.Join(", ", found.Take(5))})";
        problems.Add(string.Create(CultureInfo.InvariantCulture, $"{count} {what}{examples}"));
    }
}
