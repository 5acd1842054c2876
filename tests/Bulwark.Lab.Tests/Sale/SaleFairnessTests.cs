using Bulwark.Lab.Sale;

namespace Bulwark.Lab.Tests.Sale;

public sealed class SaleFairnessTests
{
    static SaleBuyerRecord Buyer(int index, double queuedAt, double? boughtAt, bool aggressive = false, double? soldOutAt = null) =>
        new(index, aggressive, queuedAt - 0.1, queuedAt, index + 1, boughtAt, boughtAt, soldOutAt,
            boughtAt is not null ? SaleEnd.Bought : soldOutAt is not null ? SaleEnd.SoldOut : SaleEnd.GaveUp, Polls: 1);

    [Fact]
    public void Units_that_went_to_the_first_in_line_are_all_in_order()
    {
        List<SaleBuyerRecord> buyers = [Buyer(0, 1, 5), Buyer(1, 2, 6), Buyer(2, 3, null, soldOutAt: 6.5), Buyer(3, 4, null, soldOutAt: 7)];
        Assert.Equal(0, SaleFairness.OutOfOrderShare(buyers));
    }

    [Fact]
    public void A_unit_won_by_a_later_buyer_counts_out_of_order_whatever_order_they_paid_in()
    {
        // Buyer 3 (fourth in line) bought while buyer 1 (second) did not: one of the two purchases is out of order.
        List<SaleBuyerRecord> buyers = [Buyer(0, 1, 6), Buyer(1, 2, null, soldOutAt: 7), Buyer(2, 3, null), Buyer(3, 4, 5)];
        Assert.Equal(0.5, SaleFairness.OutOfOrderShare(buyers));
    }

    [Fact]
    public void The_shops_ticket_order_decides_and_the_lab_clock_is_only_a_fallback()
    {
        // Buyer 1's join was answered first on the lab's clock, but the shop gave buyer 0 the earlier place: buyer 0 is
        // first in line, so buyer 0 buying is in order — by the lab's clock alone it would look out of order.
        List<SaleBuyerRecord> buyers =
        [
            Buyer(0, 2, 5) with { Sequence = 1 }, Buyer(1, 1, null, soldOutAt: 6) with { Sequence = 2 },
            Buyer(2, 0.5, null, soldOutAt: 6), // never held a ticket (told sold out on joining): after every ticket holder
        ];
        Assert.Equal(0, SaleFairness.OutOfOrderShare(buyers));
        Assert.Equal(1, SaleFairness.OutOfOrderShare(buyers, byLabClock: true));
        Assert.Equal([0, 1, 2], SaleFairness.QueueOrder(buyers).Select(b => b.Index));
    }

    [Fact]
    public void Nobody_bought_means_no_order_to_judge()
    {
        Assert.True(double.IsNaN(SaleFairness.OutOfOrderShare([Buyer(0, 1, null)])));
    }

    [Fact]
    public void Groups_compare_what_polite_and_aggressive_buyers_got()
    {
        List<SaleBuyerRecord> buyers =
        [
            Buyer(0, 1, 10), Buyer(1, 2, 11, aggressive: true), Buyer(2, 3, 12), Buyer(3, 4, 13, aggressive: true),
            Buyer(4, 5, null, soldOutAt: 14), Buyer(5, 6, null, aggressive: true, soldOutAt: 14),
        ];
        var polite = SaleFairness.Group(buyers, aggressive: false);
        var aggressive = SaleFairness.Group(buyers, aggressive: true);
        Assert.Equal((3, 2), (polite.Buyers, polite.Bought));
        Assert.Equal((3, 2), (aggressive.Buyers, aggressive.Bought));
        Assert.Equal(3, polite.MedianQueueRank);
        Assert.Equal(4, aggressive.MedianQueueRank);
        Assert.Equal(2, polite.MedianPurchaseRank);
        Assert.Equal(3, aggressive.MedianPurchaseRank);
    }

    [Fact]
    public void Sold_out_delays_run_from_the_last_purchase_or_a_later_arrival_and_never_go_negative()
    {
        // The last buyer arrives (12.9) after the sell-out (8) and is told at once on arriving (13.2).
        List<SaleBuyerRecord> buyers = [Buyer(0, 1, 5), Buyer(1, 2, 8), Buyer(2, 3, null, soldOutAt: 7.5), Buyer(3, 4, null, soldOutAt: 8.4),
            Buyer(4, 5, null, soldOutAt: 9.1), Buyer(5, 13, null, soldOutAt: 13.2)];
        var delays = SaleFairness.SoldOutDelays(buyers);
        Assert.Equal(4, delays.Count);
        Assert.Equal(0, delays[0]);
        Assert.Equal(0.3, delays[1], 6);
        Assert.Equal(0.4, delays[2], 6);
        Assert.Equal(1.1, delays[3], 6);
        Assert.Equal(1.1, SaleFairness.Percentile(delays, 99), 6);
    }

    [Fact]
    public void The_sell_out_rate_counts_units_between_the_first_and_the_last_purchase()
    {
        List<SaleBuyerRecord> buyers = [Buyer(0, 1, 10), Buyer(1, 2, 10.5), Buyer(2, 3, 11), Buyer(3, 4, null)];
        Assert.Equal(2, SaleFairness.SellOutRate(buyers), 6);
    }
}
