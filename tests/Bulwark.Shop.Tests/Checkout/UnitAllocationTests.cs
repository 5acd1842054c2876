using Bulwark.Shop.Checkout;

namespace Bulwark.Shop.Tests.Checkout;

/// <summary>How one batch hands out the units of the rows it holds locked (no database: the rules alone).</summary>
public sealed class UnitAllocationTests
{
    private const long Hot = 1, Cold = 2, Sale = 77;
    private static readonly DateTime SaleStart = new(2026, 12, 2, 9, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_batch_larger_than_the_stock_hands_units_out_in_arrival_order_and_refuses_the_rest()
    {
        var rows = Rows((Hot, new ProductUnits(3, 1000, null, null)));
        var carts = Enumerable.Range(0, 5).Select(_ => Cart(Line(Hot, 1))).ToList();

        var verdicts = UnitAllocation.Allocate(rows, carts);

        Assert.All(verdicts.Take(3), verdict => Assert.Equal(1000, Assert.IsType<Allocated.Taken>(verdict).TotalCents));
        Assert.All(verdicts.Skip(3), verdict => Assert.Equal(new Reservation.OutOfStock(Hot, "SKU-1", 1, 0), Assert.IsType<Allocated.Refused>(verdict).Reason));
        Assert.Equal((0, 3), (rows[Hot].Stock, rows[Hot].Taken));
    }

    [Fact]
    public void An_order_that_does_not_fit_does_not_hold_up_a_later_smaller_one()
    {
        var rows = Rows((Hot, new ProductUnits(3, 1000, null, null)));

        var verdicts = UnitAllocation.Allocate(rows, [Cart(Line(Hot, 2)), Cart(Line(Hot, 2)), Cart(Line(Hot, 1))]);

        Assert.IsType<Allocated.Taken>(verdicts[0]);
        Assert.Equal(new Reservation.OutOfStock(Hot, "SKU-1", 2, 1), Assert.IsType<Allocated.Refused>(verdicts[1]).Reason);
        Assert.IsType<Allocated.Taken>(verdicts[2]);
        Assert.Equal(0, rows[Hot].Stock);
    }

    [Fact]
    public void A_cart_of_a_hot_and_a_cold_product_takes_both_or_neither()
    {
        var rows = Rows((Hot, new ProductUnits(5, 1000, null, null)), (Cold, new ProductUnits(1, 300, null, null)));

        var verdicts = UnitAllocation.Allocate(rows, [Cart(Line(Hot, 1), Line(Cold, 1)), Cart(Line(Hot, 1), Line(Cold, 1)), Cart(Line(Hot, 2))]);

        Assert.Equal(1300, Assert.IsType<Allocated.Taken>(verdicts[0]).TotalCents);
        // Short on the cold line: the hot unit it would have taken stays for the next buyer.
        Assert.Equal(new Reservation.OutOfStock(Cold, "SKU-2", 1, 0), Assert.IsType<Allocated.Refused>(verdicts[1]).Reason);
        Assert.Equal(2000, Assert.IsType<Allocated.Taken>(verdicts[2]).TotalCents);
        Assert.Equal((2, 3), (rows[Hot].Stock, rows[Hot].Taken));
        Assert.Equal((0, 1), (rows[Cold].Stock, rows[Cold].Taken));
    }

    [Fact]
    public void An_open_sale_sells_its_units_at_its_price_out_of_the_stock_then_is_sold_out_though_stock_remains()
    {
        // The row does not carry the sale yet: the first order in the window starts its counter from the sale's quantity.
        var rows = Rows((Hot, new ProductUnits(10, 1000, null, null)));
        var carts = Enumerable.Range(0, 3).Select(_ => Cart(SaleLine(Hot, 1, open: true))).ToList();

        var verdicts = UnitAllocation.Allocate(rows, carts);

        Assert.All(verdicts.Take(2), verdict =>
            Assert.Equal([new TakenLine(Hot, 1, 700, Sale)], Assert.IsType<Allocated.Taken>(verdict).Lines));
        var soldOut = Assert.IsType<Reservation.SaleSoldOut>(Assert.IsType<Allocated.Refused>(verdicts[2]).Reason);
        Assert.Equal((Sale, 1, 0), (soldOut.SaleId, soldOut.Requested, soldOut.Available));
        Assert.Equal((8, 2, Sale, 0), (rows[Hot].Stock, rows[Hot].Taken, rows[Hot].SaleId, rows[Hot].SaleUnitsLeft));
    }

    [Fact]
    public void Carts_refused_whatever_the_stock_take_nothing_and_say_why()
    {
        var rows = Rows((Hot, new ProductUnits(10, 1000, null, null)));

        var verdicts = UnitAllocation.Allocate(rows, [Cart(), Cart(Line(Hot, 1) with { Hidden = true }), Cart(SaleLine(Hot, 1, open: false))]);

        Assert.IsType<Reservation.EmptyCart>(Assert.IsType<Allocated.Refused>(verdicts[0]).Reason);
        Assert.Equal(new Reservation.NoLongerSold(Hot, "SKU-1"), Assert.IsType<Allocated.Refused>(verdicts[1]).Reason);
        var notOpen = Assert.IsType<Reservation.SaleNotOpen>(Assert.IsType<Allocated.Refused>(verdicts[2]).Reason);
        Assert.Equal(new DateTimeOffset(SaleStart), notOpen.StartsAt);
        Assert.Equal((10, 0), (rows[Hot].Stock, rows[Hot].Taken));
    }

    private static Dictionary<long, ProductUnits> Rows(params (long Id, ProductUnits Row)[] rows) => rows.ToDictionary(row => row.Id, row => row.Row);

    private static IReadOnlyList<LockedCartLine> Cart(params LockedCartLine[] lines) => lines;

    private static LockedCartLine Line(long product, int quantity) =>
        new(UserId: 9, product, $"SKU-{product}", quantity, Hidden: false, null, null, SaleOpen: false, null, null, null);

    private static LockedCartLine SaleLine(long product, int quantity, bool open) =>
        Line(product, quantity) with { SaleId = Sale, SaleStartsAt = SaleStart, SaleOpen = open, SalePrice = 700, SaleQuantity = 2, SaleEndsAt = SaleStart.AddHours(1) };
}
