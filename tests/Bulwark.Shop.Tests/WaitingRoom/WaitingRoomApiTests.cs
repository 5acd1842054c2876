using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Guard.Edge;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.WaitingRoom;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Bulwark.Shop.Tests.WaitingRoom.RoomSteps;

namespace Bulwark.Shop.Tests.WaitingRoom;

/// <summary>The waiting room over real HTTP and PostgreSQL: tickets, FIFO, sold out, and checkout's admissions.</summary>
[Collection(WaitingRoomCollection.Name)]
public sealed class WaitingRoomApiTests(WaitingRoomFixture shop)
{
    [Fact]
    public async Task An_idle_general_room_admits_at_once_and_joining_again_answers_the_same_ticket()
    {
        using var buyer = await shop.SignedInClientAsync();

        var first = await JoinAsync(buyer, saleId: null);
        Assert.True(first.GetProperty("admitted").GetBoolean());
        Assert.False(string.IsNullOrEmpty(first.GetProperty("admission").GetString()));
        Assert.True(first.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);

        var again = await JoinAsync(buyer, saleId: null);
        Assert.Equal(first.GetProperty("ticket").GetString(), again.GetProperty("ticket").GetString());
        var polled = await PollAsync(buyer, first.GetProperty("ticket").GetString()!);
        Assert.True(polled.GetProperty("admitted").GetBoolean());
    }

    [Fact]
    public async Task Joining_again_keeps_the_same_ticket_and_position_and_never_moves_anyone_forward()
    {
        var (saleId, _) = await shop.UpcomingSaleAsync();
        var buyers = await shop.BuyersAsync(3);
        var tickets = new List<JsonElement>();
        foreach (var buyer in buyers)
        {
            tickets.Add(await JoinAsync(buyer, saleId));
        }

        Assert.Equal([1L, 2L, 3L], tickets.Select(t => t.GetProperty("position").GetInt64()));
        Assert.All(tickets, t => Assert.True(t.GetProperty("pollAfterSeconds").GetInt32() >= 1));
        Assert.All(tickets, t => Assert.True(t.GetProperty("estimatedWaitSeconds").GetInt32() >= 0));

        var again = await JoinAsync(buyers[1], saleId);
        Assert.Equal(tickets[1].GetProperty("ticket").GetString(), again.GetProperty("ticket").GetString());
        Assert.Equal(2, again.GetProperty("position").GetInt64());
        Assert.Equal(3, (await PollAsync(buyers[2], tickets[2].GetProperty("ticket").GetString()!)).GetProperty("position").GetInt64());
        foreach (var buyer in buyers)
        {
            buyer.Dispose();
        }
    }

    [Fact]
    public async Task Another_users_ticket_a_tampered_ticket_and_an_unknown_sale_are_not_found()
    {
        var (saleId, _) = await shop.UpcomingSaleAsync();
        using var owner = await shop.SignedInClientAsync();
        using var other = await shop.SignedInClientAsync();
        var ticket = (await JoinAsync(owner, saleId)).GetProperty("ticket").GetString()!;

        await (await other.GetAsync($"/api/waiting-room/{ticket}")).AssertProblemAsync(HttpStatusCode.NotFound, "ticket");
        var tampered = ticket[..5] + (ticket[5] == 'A' ? 'B' : 'A') + ticket[6..];
        await (await owner.GetAsync($"/api/waiting-room/{tampered}")).AssertProblemAsync(HttpStatusCode.NotFound, "ticket");
        await (await owner.GetAsync("/api/waiting-room/garbage")).AssertProblemAsync(HttpStatusCode.NotFound, "ticket");
        await (await owner.PostAsJsonAsync("/api/waiting-room", new { saleId = 987_654_321 })).AssertProblemAsync(HttpStatusCode.NotFound, "987654321");
        using var anonymous = shop.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/waiting-room/{ticket}")).StatusCode);
    }

    [Fact]
    public async Task A_hundred_concurrent_joiners_are_admitted_first_come_first_served()
    {
        var (saleId, _) = await shop.UpcomingSaleAsync();
        var buyers = await shop.BuyersAsync(100);
        using var start = new SemaphoreSlim(0);
        var joins = buyers.Select(async buyer =>
        {
            await start.WaitAsync();
            return await JoinAsync(buyer, saleId);
        }).ToArray();
        start.Release(buyers.Length);
        var tickets = await Task.WhenAll(joins);

        // The sale has not opened: every joiner has a distinct place, and the places are 1..100.
        var positions = tickets.Select(t => t.GetProperty("position").GetInt64()).ToArray();
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), positions.Order());
        var metrics = await shop.Client().GetStringAsync("/metrics");
        AssertMetric(metrics, "bulwark_waiting_room_waiting", $"sale-{saleId}");
        AssertMetric(metrics, "bulwark_waiting_room_outflow", $"sale-{saleId}");

        shop.Sales.Open(saleId);
        var admitted = new bool[buyers.Length];
        var clock = Stopwatch.StartNew();
        while (!admitted.All(a => a))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"only {admitted.Count(a => a)} of 100 admitted after a minute");
            // Back to front, one at a time: the frontier only moves forward, so a buyer found admitted means everyone
            // polled after them (further forward) must be too. Polled all at once, a frontier moving mid-round would
            // make a later place look admitted before an earlier one had been asked.
            // A buyer found admitted is not asked again, and an admission that expired before its buyer was asked
            // (410: a round of a hundred polls on a busy machine outlasts the fixture's six-second admission) was an
            // admission all the same.
            foreach (var i in Enumerable.Range(0, buyers.Length).Where(i => !admitted[i]).OrderByDescending(i => positions[i]))
            {
                using var poll = await buyers[i].GetAsync($"/api/waiting-room/{tickets[i].GetProperty("ticket").GetString()}");
                var body = await poll.Content.ReadAsStringAsync();
                Assert.True(poll.StatusCode is HttpStatusCode.OK or HttpStatusCode.Gone, $"poll answered {(int)poll.StatusCode}: {body}");
                admitted[i] = poll.StatusCode == HttpStatusCode.Gone
                    || (JsonDocument.Parse(body).RootElement.TryGetProperty("admitted", out var yes) && yes.GetBoolean());
            }

            // Always a prefix of the join order: nobody is admitted while someone who joined earlier waits.
            var admittedPositions = positions.Where((_, i) => admitted[i]).Order().ToArray();
            Assert.Equal(Enumerable.Range(1, admittedPositions.Length).Select(i => (long)i), admittedPositions);
            await Task.Delay(200);
        }

        // At the outflow rate (20/s here), not all at once: 100 take about five seconds.
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(3), $"100 admitted in {clock.Elapsed}");
        AssertMetric(await shop.Client().GetStringAsync("/metrics"), "bulwark_waiting_room_admitted_total", $"sale-{saleId}");
        foreach (var buyer in buyers)
        {
            buyer.Dispose();
        }
    }

    [Fact]
    public async Task Pollers_learn_the_sale_sold_out_within_a_second()
    {
        var (saleId, _) = await shop.UpcomingSaleAsync();
        using var buyer = await shop.SignedInClientAsync();
        var ticket = (await JoinAsync(buyer, saleId)).GetProperty("ticket").GetString()!;
        Assert.True((await PollAsync(buyer, ticket)).TryGetProperty("position", out _));

        shop.Sales.SellOut(saleId);
        var clock = Stopwatch.StartNew();
        while (!(await PollAsync(buyer, ticket)).TryGetProperty("soldOut", out _))
        {
            await Task.Delay(50);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"sold out was answered {clock.Elapsed} after the last unit went");
        Assert.True((await JoinAsync(buyer, saleId)).GetProperty("soldOut").GetBoolean());
    }

    [Fact]
    public async Task A_held_poll_answers_sold_out_as_the_sale_sells_out_and_one_with_nothing_to_tell_when_its_hold_runs_out()
    {
        var (saleId, _) = await shop.UpcomingSaleAsync();
        using var buyer = await shop.SignedInClientAsync();
        var ticket = (await JoinAsync(buyer, saleId)).GetProperty("ticket").GetString()!;

        // Nothing happens in a line that has not opened: the hold runs out and the poll says where the ticket stands,
        // with the wait before the next poll shortened by the hold.
        var clock = Stopwatch.StartNew();
        var quiet = await PollAsync(buyer, ticket, wait: 10);
        Assert.True(clock.Elapsed >= WaitingRoomFixture.MaxPollHold - TimeSpan.FromMilliseconds(50), $"held only {clock.Elapsed}");
        Assert.Equal(1, quiet.GetProperty("position").GetInt64());
        Assert.InRange(quiet.GetProperty("pollAfterSeconds").GetInt32(), 0, (await PollAsync(buyer, ticket)).GetProperty("pollAfterSeconds").GetInt32() - 1);

        var held = PollAsync(buyer, ticket, wait: 10);
        await Task.Delay(200);
        shop.Sales.SellOut(saleId);
        clock.Restart();
        var answer = await held;
        Assert.True(answer.GetProperty("soldOut").GetBoolean(), answer.ToString());
        Assert.True(clock.Elapsed < WaitingRoomFixture.MaxPollHold - TimeSpan.FromMilliseconds(200),
            $"sold out was answered {clock.Elapsed} after the last unit went, as if the hold had run out");
    }

    [Fact]
    public async Task A_buyer_further_back_than_the_units_left_is_told_to_poll_every_second()
    {
        var (saleId, _) = await shop.UpcomingSaleAsync(stock: 1000);
        var buyers = await shop.BuyersAsync(90);
        foreach (var buyer in buyers)
        {
            await JoinAsync(buyer, saleId);
        }

        // 90th in a line that has not opened: seconds to wait, so polling less than every second is enough while units remain for it.
        var last = buyers[^1];
        var ticket = (await JoinAsync(last, saleId)).GetProperty("ticket").GetString()!;
        var before = await PollAsync(last, ticket);
        Assert.Equal(90, before.GetProperty("position").GetInt64());
        Assert.True(before.GetProperty("pollAfterSeconds").GetInt32() > 1, before.ToString());

        // Fewer units left than buyers ahead of it: it waits for a unit given back or for "sold out", which must reach it within a second.
        shop.Sales.SetUnitsLeft(saleId, 5);
        var pollAfter = int.MaxValue;
        for (var i = 0; i < 20 && pollAfter != 1; i++)
        {
            await Task.Delay(100);
            pollAfter = (await PollAsync(last, ticket)).GetProperty("pollAfterSeconds").GetInt32();
        }

        Assert.Equal(1, pollAfter);
        foreach (var buyer in buyers)
        {
            buyer.Dispose();
        }
    }

    [Fact]
    public async Task Checkout_during_a_sale_needs_that_sales_admission_which_buys_once()
    {
        var (saleId, productId) = await shop.UpcomingSaleAsync(stock: 10);
        shop.Sales.Open(saleId);
        using var buyer = await shop.SignedInClientAsync();
        await buyer.AddToCartAsync(productId, 1);

        using var refused = await buyer.CheckoutAsync("no-admission");
        var problem = await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests, "waiting room");
        Assert.Equal(WaitingRoomProblems.Type, problem.GetProperty("type").GetString());
        Assert.Equal(saleId, problem.GetProperty("saleId").GetInt64());
        Assert.NotNull(refused.Headers.RetryAfter);

        // An admission to another room (the general one) is not this sale's.
        var general = (await JoinAsync(buyer, saleId: null)).GetProperty("admission").GetString()!;
        await (await CheckoutWithAsync(buyer, "general-admission", general)).AssertProblemAsync(HttpStatusCode.TooManyRequests, "not a valid admission");

        var ticket = await JoinAsync(buyer, saleId);
        var admission = ticket.GetProperty("admission").GetString()!;
        // The edge, shedding checkouts for an overloaded CPU, lets this one through: the room metered its buyer in.
        Assert.True(PassesTheEdge(admission));
        Assert.False(PassesTheEdge(general[..^2] + (general[^2] == 'A' ? "B" : "A") + general[^1]));
        Assert.False(PassesTheEdge(null));
        // Nor is a join ever shed there: the order of joining is the order of buying.
        Assert.True(shop.App.Services.GetRequiredService<EdgeRouteTable>().Match(HttpMethods.Post, "/api/waiting-room").PreAdmission
            ?.IsPreAdmitted(new DefaultHttpContext().Request));
        using var bought = await CheckoutWithAsync(buyer, "first", admission);
        Assert.Equal(HttpStatusCode.Created, bought.StatusCode);
        var order = await bought.ReceiptAsync();

        // Retrying the same purchase is fine; a second purchase with the same admission is not.
        using var retried = await CheckoutWithAsync(buyer, "first", admission);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(order.OrderId, (await retried.ReceiptAsync()).OrderId);
        await buyer.AddToCartAsync(productId, 1);
        await (await CheckoutWithAsync(buyer, "second", admission)).AssertProblemAsync(HttpStatusCode.TooManyRequests, "already used");

        // Joining again after buying takes a new place at the back, with a new admission.
        var next = await JoinAsync(buyer, saleId);
        Assert.NotEqual(ticket.GetProperty("ticket").GetString(), next.GetProperty("ticket").GetString());
    }

    private bool PassesTheEdge(string? admission)
    {
        var request = new DefaultHttpContext().Request;
        if (admission is not null)
        {
            request.Headers[CheckoutAdmission.Header] = admission;
        }

        var route = shop.App.Services.GetRequiredService<EdgeRouteTable>().Match(HttpMethods.Post, "/api/checkout");
        return route.PreAdmission?.IsPreAdmitted(request) == true;
    }

    [Fact]
    public async Task An_admission_not_used_in_time_expires()
    {
        var (saleId, productId) = await shop.UpcomingSaleAsync(stock: 10);
        shop.Sales.Open(saleId);
        using var buyer = await shop.SignedInClientAsync();
        await buyer.AddToCartAsync(productId, 1);
        var ticket = await JoinAsync(buyer, saleId);
        var admission = ticket.GetProperty("admission").GetString()!;

        await Task.Delay(WaitingRoomFixture.AdmissionLifetime + TimeSpan.FromMilliseconds(500));
        await (await CheckoutWithAsync(buyer, "late", admission)).AssertProblemAsync(HttpStatusCode.TooManyRequests, "expired");
        await (await buyer.GetAsync($"/api/waiting-room/{ticket.GetProperty("ticket").GetString()}")).AssertProblemAsync(HttpStatusCode.Gone, "join again");

        var again = await JoinAsync(buyer, saleId);
        Assert.NotEqual(ticket.GetProperty("ticket").GetString(), again.GetProperty("ticket").GetString());
    }

    [Fact]
    public async Task Checkout_outside_sales_and_below_capacity_needs_no_admission()
    {
        var productId = await shop.ProductWithStockAsync(5);
        using var buyer = await shop.SignedInClientAsync();
        await buyer.AddToCartAsync(productId, 1);
        using var bought = await buyer.CheckoutAsync("plain");
        Assert.Equal(HttpStatusCode.Created, bought.StatusCode);
    }

    private static void AssertMetric(string exposition, string name, string room) =>
        Assert.True(exposition.Split('\n').Any(line => line.StartsWith(name + "{", StringComparison.Ordinal) && line.Contains($"room=\"{room}\"", StringComparison.Ordinal)),
            $"no {name} for {room} in:\n" + string.Join('\n', exposition.Split('\n').Where(line => line.Contains("waiting_room", StringComparison.Ordinal))));
}
