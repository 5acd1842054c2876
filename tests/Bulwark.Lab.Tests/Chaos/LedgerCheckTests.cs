using Bulwark.Lab.Chaos;

namespace Bulwark.Lab.Tests.Chaos;

public class LedgerCheckTests
{
    /// <summary>
    /// Product 1 starts with 10 units, product 2 with 5. Order 1 paid (2 × product 1), order 2 failed (its unit
    /// went back), order 3 paid (1 × product 2): each paid order has its one succeeded charge, the failed one a
    /// declined charge, and stock + live units equals the initial stock.
    /// </summary>
    static LedgerSnapshot Consistent() => new(
        Orders:
        [
            new LedgerOrder(1, LedgerCheck.Paid, new Dictionary<long, long> { [1] = 2 }),
            new LedgerOrder(2, LedgerCheck.Failed, new Dictionary<long, long> { [1] = 1 }),
            new LedgerOrder(3, LedgerCheck.Paid, new Dictionary<long, long> { [2] = 1 }),
        ],
        Charges:
        [
            new GatewayCharge("ch_1", "order-1", LedgerCheck.Succeeded),
            new GatewayCharge("ch_2", "order-2", "declined"),
            new GatewayCharge("ch_3", "order-3", LedgerCheck.Succeeded),
            new GatewayCharge("ch_3", "order-3", LedgerCheck.Succeeded),   // seen by key and again in the list: one charge
        ],
        GatewaySucceeded: 2,
        InitialStock: new Dictionary<long, long> { [1] = 10, [2] = 5 },
        Stock: new Dictionary<long, long> { [1] = 8, [2] = 4 },
        Answered: [new AnsweredOrder(1, LedgerCheck.Paid), new AnsweredOrder(3, LedgerCheck.Pending)]);

    [Fact]
    public void A_consistent_ledger_passes()
    {
        var verdict = LedgerCheck.Judge(Consistent());

        Assert.True(verdict.Passed, string.Join("; ", verdict.Problems));
        Assert.Equal((3, 2, 1, 2), (verdict.Orders, verdict.Paid, verdict.Failed, verdict.SucceededCharges));
    }

    [Fact]
    public void A_paid_order_without_a_succeeded_charge_fails()
    {
        var ledger = Consistent() with
        {
            Charges = [new GatewayCharge("ch_1", "order-1", LedgerCheck.Succeeded)],
            GatewaySucceeded = 1,
        };

        var verdict = LedgerCheck.Judge(ledger);

        Assert.False(verdict.Passed);
        Assert.Equal(1, verdict.PaidWithoutCharge);
        Assert.Contains("1 paid orders without a succeeded charge (e.g. 3)", verdict.Problems);
    }

    [Fact]
    public void A_charge_without_a_paid_order_fails_whether_its_order_failed_is_unknown_or_unseen()
    {
        var failedButCharged = Consistent() with
        {
            Charges = [.. Consistent().Charges, new GatewayCharge("ch_2b", "order-2", LedgerCheck.Succeeded)],
            GatewaySucceeded = 3,
        };
        var noSuchOrder = Consistent() with
        {
            Charges = [.. Consistent().Charges, new GatewayCharge("ch_9", "order-9", LedgerCheck.Succeeded)],
            GatewaySucceeded = 3,
        };
        var countedOnlyByTheGateway = Consistent() with { GatewaySucceeded = 3 };

        Assert.All(new[] { failedButCharged, noSuchOrder, countedOnlyByTheGateway }.Select(LedgerCheck.Judge), verdict =>
        {
            Assert.False(verdict.Passed);
            Assert.Equal(1, verdict.ChargesWithoutPaidOrder);
        });
    }

    [Fact]
    public void A_double_charge_fails()
    {
        var ledger = Consistent() with
        {
            Charges = [.. Consistent().Charges, new GatewayCharge("ch_1b", "order-1", LedgerCheck.Succeeded)],
            GatewaySucceeded = 3,
        };

        var verdict = LedgerCheck.Judge(ledger);

        Assert.False(verdict.Passed);
        Assert.Equal(1, verdict.DoubleCharged);
        Assert.Equal(0, verdict.ChargesWithoutPaidOrder);
    }

    [Fact]
    public void A_stock_mismatch_fails()
    {
        // One unit of product 1 vanished: neither in stock nor in a live order.
        var ledger = Consistent() with { Stock = new Dictionary<long, long> { [1] = 7, [2] = 4 } };

        var verdict = LedgerCheck.Judge(ledger);

        Assert.False(verdict.Passed);
        Assert.Equal(1, verdict.StockMismatches);
        Assert.Contains(verdict.Problems, p => p.Contains("product 1: initial 10 ≠ stock 7 + live units 2", StringComparison.Ordinal));
    }

    [Fact]
    public void An_order_left_pending_or_an_answered_order_the_database_lost_fails()
    {
        var pending = Consistent() with
        {
            Orders = [.. Consistent().Orders.Where(o => o.Id != 3), new LedgerOrder(3, LedgerCheck.Pending, new Dictionary<long, long> { [2] = 1 })],
            Charges = [.. Consistent().Charges.Where(c => c.IdempotencyKey != "order-3")],
            GatewaySucceeded = 1,
        };
        var lost = Consistent() with { Answered = [.. Consistent().Answered, new AnsweredOrder(4, LedgerCheck.Paid)] };
        var unpaid = Consistent() with
        {
            Orders = [.. Consistent().Orders.Where(o => o.Id != 1), new LedgerOrder(1, LedgerCheck.Failed, new Dictionary<long, long> { [1] = 2 })],
            Stock = new Dictionary<long, long> { [1] = 10, [2] = 4 },
            Charges = [.. Consistent().Charges.Where(c => c.IdempotencyKey != "order-1")],
            GatewaySucceeded = 1,
        };

        Assert.Equal(1, LedgerCheck.Judge(pending).Unsettled);
        Assert.False(LedgerCheck.Judge(pending).Passed);
        Assert.Equal(1, LedgerCheck.Judge(lost).LostOrders);
        Assert.Contains(LedgerCheck.Judge(unpaid).Problems, p => p.Contains("order 1 was answered paid and is now payment_failed", StringComparison.Ordinal));
    }
}
