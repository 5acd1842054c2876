using Bulwark.Shop.Sales;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Shop.Tests.Sales;

/// <summary>The window logic against a clock the test moves: no database, no waiting.</summary>
public sealed class SaleWindowTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 24, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_sale_is_upcoming_until_its_start_open_until_its_end_and_ended_from_then_on()
    {
        var clock = new FakeTimeProvider(Start.AddMinutes(-90).AddMilliseconds(-200));
        var window = new SaleWindow(7, Start, Start.AddHours(1));

        Assert.Equal((SaleState.Upcoming, 5401L), (window.StateAt(clock.GetUtcNow()), window.OpensInSecondsAt(clock.GetUtcNow())));
        clock.Advance(TimeSpan.FromMinutes(90));
        Assert.Equal((SaleState.Upcoming, 1L), (window.StateAt(clock.GetUtcNow()), window.OpensInSecondsAt(clock.GetUtcNow())));
        clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal((SaleState.Open, (long?)null), (window.StateAt(clock.GetUtcNow()), window.OpensInSecondsAt(clock.GetUtcNow())));
        clock.Advance(TimeSpan.FromHours(1) - TimeSpan.FromTicks(1));
        Assert.Equal(SaleState.Open, window.StateAt(clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal((SaleState.Ended, (long?)null), (window.StateAt(clock.GetUtcNow()), window.OpensInSecondsAt(clock.GetUtcNow())));
    }

    [Theory]
    [InlineData(0, 60, null)]
    [InlineData(-1, 60, "startsAt")]
    [InlineData(1, 1, "endsAt")]
    [InlineData(1, 0, "endsAt")]
    [InlineData(1, 7 * 24 * 3600, null)]
    [InlineData(1, 7 * 24 * 3600 + 1, "endsAt")]
    public void The_window_must_lie_ahead_of_the_clock_and_last_at_most_seven_days(int startsInSeconds, int lengthSeconds, string? field)
    {
        var now = new FakeTimeProvider(Start).GetUtcNow();
        // startsIn 0 means "one tick ahead": the future begins right after now.
        var startsAt = startsInSeconds == 0 ? now.AddTicks(1) : now.AddSeconds(startsInSeconds);
        var endsAt = startsInSeconds == 1 && lengthSeconds == 1 ? startsAt : startsAt.AddSeconds(lengthSeconds);
        var request = new NewSaleRequest("Winter", startsAt, endsAt, [new NewSaleItemRequest(1, 500, 3)]);

        var problem = SaleRules.Check(request, now, out var sale);

        Assert.Equal(field, problem?.Field);
        Assert.Equal(field is null, sale is not null);
    }

    [Theory]
    [InlineData("name")]
    [InlineData("items")]
    [InlineData("items[1].productId")]
    [InlineData("items[0].priceCents")]
    [InlineData("items[0].quantity")]
    public void Each_item_rule_names_the_field_it_refuses(string field)
    {
        var now = new FakeTimeProvider(Start).GetUtcNow();
        NewSaleItemRequest?[] items = field switch
        {
            "items" => [],
            "items[1].productId" => [new(4, 100, 1), new(4, 200, 1)],
            "items[0].priceCents" => [new(4, 0, 1)],
            "items[0].quantity" => [new(4, 100, 0)],
            _ => [new(4, 100, 1)],
        };
        var request = new NewSaleRequest(field == "name" ? " " : "Winter", now.AddHours(1), now.AddHours(2), items);

        Assert.Equal(field, SaleRules.Check(request, now, out var sale)?.Field);
        Assert.Null(sale);
    }
}
