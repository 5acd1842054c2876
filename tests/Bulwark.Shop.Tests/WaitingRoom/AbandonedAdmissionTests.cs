using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Telemetry;
using Bulwark.Shop.Database;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.WaitingRoom;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static Bulwark.Shop.Tests.WaitingRoom.RoomSteps;

namespace Bulwark.Shop.Tests.WaitingRoom;

/// <summary>
/// A sale line counts an admitted buyer as holding a unit only while the admission can be used: one who walks away
/// frees it for the next in line once the admission has expired (never before), one who checks out in time keeps it.
/// </summary>
[Collection(WaitingRoomCollection.Name)]
public sealed class AbandonedAdmissionTests(WaitingRoomFixture shop)
{
    private static readonly TimeSpan Patience = WaitingRoomFixture.AdmissionLifetime + WaitingRoomFixture.AdmissionGrace + TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_buyer_admitted_who_never_checks_out_stops_holding_the_unit_after_the_lifetime_and_the_next_in_line_gets_it()
    {
        var (saleId, productId, buyers, tickets) = await QueueAsync(units: 1, buyers: 2);
        var (walkedAway, next) = (buyers[0], buyers[1]);

        var admission = await AdmittedAsync(walkedAway, tickets[0]);
        var expiresAt = admission.GetProperty("expiresAt").GetDateTimeOffset();

        // One unit, already promised: the next buyer waits as long as that admission can be used, and is let in after.
        var nextAdmission = await AdmittedAsync(next, tickets[1]);
        var seenAdmittedAt = DateTimeOffset.UtcNow;
        Assert.True(seenAdmittedAt >= expiresAt, $"the next buyer was admitted at {seenAdmittedAt:O}, before the first admission expired at {expiresAt:O}");
        Assert.True(seenAdmittedAt <= expiresAt + WaitingRoomFixture.AdmissionGrace + TimeSpan.FromSeconds(3),
            $"the unit was freed only at {seenAdmittedAt:O}, long after the admission expired at {expiresAt:O}");

        // The one who walked away cannot come back with the old admission; the next buyer buys the unit.
        await (await CheckoutWithAsync(walkedAway, "late", admission.GetProperty("admission").GetString()!))
            .AssertProblemAsync(HttpStatusCode.TooManyRequests, "expired");
        using var bought = await CheckoutWithAsync(next, "in-time", nextAdmission.GetProperty("admission").GetString()!);
        Assert.Equal(HttpStatusCode.Created, bought.StatusCode);
        Dispose(buyers);
    }

    [Fact]
    public async Task A_buyer_who_checks_out_in_time_keeps_the_unit_while_an_abandoned_one_is_passed_on()
    {
        var (saleId, productId, buyers, tickets) = await QueueAsync(units: 2, buyers: 4);
        var (buyer, walkedAway, third, fourth) = (buyers[0], buyers[1], buyers[2], buyers[3]);
        var admission = await AdmittedAsync(buyer, tickets[0]);
        var abandoned = await AdmittedAsync(walkedAway, tickets[1]);

        // Checks out just before the admission runs out: the order holds the unit. A real sale's units left drop in the
        // order's own transaction; the stand-in's drop first, so that no tick sees the order without them.
        var expiresAt = admission.GetProperty("expiresAt").GetDateTimeOffset();
        await Task.Delay(expiresAt - DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1));
        shop.Sales.SetUnitsLeft(saleId, 1);
        using var bought = await CheckoutWithAsync(buyer, "just-in-time", admission.GetProperty("admission").GetString()!);
        Assert.Equal(HttpStatusCode.Created, bought.StatusCode);
        var order = await bought.ReceiptAsync();

        // The abandoned admission's unit goes to the third buyer after it expires; the fourth still waits, because the
        // unit bought in time is not given out again.
        await AdmittedAsync(third, tickets[2]);
        Assert.True(DateTimeOffset.UtcNow >= abandoned.GetProperty("expiresAt").GetDateTimeOffset(), "the abandoned unit was handed on before its admission expired");
        for (var i = 0; i < 8; i++)
        {
            await Task.Delay(250);
            Assert.True((await PollAsync(fourth, tickets[3])).TryGetProperty("position", out _), "a unit bought in time was handed to the next in line");
        }

        Assert.Equal("paid", await OrderStatusAsync(buyer, order.OrderId));
        Dispose(buyers);
    }

    [Fact]
    public async Task An_instance_that_first_looks_after_the_admission_dates_it_from_the_database_not_from_its_own_look()
    {
        var (_, _, buyers, tickets) = await QueueAsync(units: 1, buyers: 1);
        var expiresAt = (await AdmittedAsync(buyers[0], tickets[0])).GetProperty("expiresAt").GetDateTimeOffset();

        // A fresh instance's view of the rooms (what a replica started now, or one that missed the move, holds), fed
        // by one tick of its own a while after the buyer was let in.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var services = shop.App.Services;
        var clock = services.GetRequiredService<TimeProvider>();
        var rooms = new WaitingRooms(services.GetRequiredService<IOptions<WaitingRoomOptions>>(), clock,
            services.GetRequiredService<IGatePressure>(), services.GetRequiredService<IGateControl>());
        var store = services.GetRequiredService<WaitingRoomStore>();
        var sales = services.GetRequiredService<ISaleQueueSource>();
        var ticker = new WaitingRoomTicker(rooms, store, sales, services.GetRequiredService<IGateStatisticsProvider>(),
            services.GetRequiredService<IGateControl>(), services.GetRequiredService<ProcessingDelay>(), new CheckoutThroughput(),
            services.GetRequiredService<WaitingRoomMetrics>(), services.GetRequiredService<DatabaseReadiness>(), clock,
            services.GetRequiredService<ILogger<WaitingRoomTicker>>());
        await ticker.TickAsync(CancellationToken.None);

        // The admission it mints runs out when the first one did: when the line stops counting the unit for it.
        var fresh = new WaitingRoomService(rooms, store, sales, services.GetRequiredService<WaitingRoomSigner>(), clock);
        var answer = Assert.IsType<RoomAnswer.Admitted>(await fresh.PollAsync(OwnerOf(tickets[0]), tickets[0], TimeSpan.Zero, CancellationToken.None));
        Assert.InRange(answer.Ticket.ExpiresAt - expiresAt, TimeSpan.FromMilliseconds(-1), TimeSpan.FromMilliseconds(1));
        Dispose(buyers);
    }

    /// <summary>The user a signed ticket names (its payload is <c>t|room|user|sequence|issued</c>).</summary>
    private static long OwnerOf(string ticket) =>
        long.Parse(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(ticket.AsSpan(0, ticket.IndexOf('.')))).Split('|')[2], CultureInfo.InvariantCulture);

    /// <summary>A sale of <paramref name="units"/> units, buyers with its item in their carts queued in order before it opens, then opened.</summary>
    private async Task<(long SaleId, long ProductId, HttpClient[] Buyers, string[] Tickets)> QueueAsync(int units, int buyers)
    {
        var (saleId, productId) = await shop.UpcomingSaleAsync(stock: 10);
        shop.Sales.SetUnitsLeft(saleId, units);
        var clients = await shop.BuyersAsync(buyers);
        var tickets = new string[buyers];
        for (var i = 0; i < buyers; i++)
        {
            await clients[i].AddToCartAsync(productId, 1);
            tickets[i] = (await JoinAsync(clients[i], saleId)).GetProperty("ticket").GetString()!;
        }

        shop.Sales.Open(saleId);
        return (saleId, productId, clients, tickets);
    }

    private static async Task<JsonElement> AdmittedAsync(HttpClient buyer, string ticket)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var answer = await PollAsync(buyer, ticket);
            if (answer.TryGetProperty("admitted", out var admitted) && admitted.GetBoolean())
            {
                return answer;
            }

            Assert.True(clock.Elapsed < Patience, $"not admitted after {clock.Elapsed}: {answer}");
            await Task.Delay(100);
        }
    }

    private static async Task<string> OrderStatusAsync(HttpClient buyer, long orderId)
    {
        using var response = await buyer.GetAsync($"/api/orders/{orderId}");
        return JsonDocument.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString()!;
    }

    private static void Dispose(HttpClient[] buyers)
    {
        foreach (var buyer in buyers)
        {
            buyer.Dispose();
        }
    }
}
