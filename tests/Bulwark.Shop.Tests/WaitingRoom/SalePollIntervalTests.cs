using System.Security.Cryptography;
using Bulwark.Guard.Gate;
using Bulwark.Shop.WaitingRoom;
using Microsoft.Extensions.Options;
using Npgsql;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Shop.Tests.WaitingRoom;

/// <summary>
/// How often a buyer in a sale's line is told to poll: rarely while a unit is still there for them, every second once
/// the units left are all spoken for — by buyers ahead in line, or by buyers already admitted who have not checked out.
/// </summary>
public sealed class SalePollIntervalTests
{
    private const long SaleId = 7;
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Now);
    private readonly WaitingRoomSigner _signer = new(RandomNumberGenerator.GetBytes(32));
    private readonly WaitingRooms _rooms;
    private readonly WaitingRoomService _service;

    public SalePollIntervalTests()
    {
        _rooms = new WaitingRooms(Options.Create(new WaitingRoomOptions()), _clock, new IdleGate(), new IdleGate());
        // Polls are answered from memory; the store (joins only) is never reached here.
        _service = new WaitingRoomService(_rooms, new WaitingRoomStore(new NoDatabase()), new NoSales(), _signer, _clock);
        _rooms.Remember(SaleId, new SaleQueueState(SaleId, Now.AddMinutes(-1), Now.AddMinutes(30), UnitsLeft: 20));
    }

    [Theory]
    [InlineData(0, 13, 5)] // 20 units for 13 ahead: a unit is there, no hurry
    [InlineData(8, 10, 5)] // 8 admitted hold theirs: 12 left for the line, 10th still gets one
    [InlineData(8, 13, 1)] // 13th does not: it waits for "sold out" or a unit given back, which must reach it within a second
    public async Task Buyers_beyond_the_units_not_yet_spoken_for_poll_every_second(long outstanding, long position, int pollAfter)
    {
        var room = WaitingRooms.SaleRoom(SaleId);
        // Admitted through 100 at half a buyer per second: seconds of wait for everyone behind.
        _rooms.Line(room).Observe(frontier: 100, lastSequence: 200, outflow: 0.5, outstanding);
        var ticket = new TicketClaim(room, UserId: 42, Sequence: 100 + position, IssuedAt: Now);

        var answer = Assert.IsType<RoomAnswer.InLine>(await _service.PollAsync(42, _signer.Sign(ticket), TimeSpan.Zero, CancellationToken.None));

        Assert.Equal(position, answer.Ticket.Position);
        Assert.Equal(pollAfter, answer.Ticket.PollAfterSeconds);
    }

    [Fact]
    public async Task A_fresher_reading_of_a_followed_sale_answers_polls_at_once_and_an_unfollowed_sale_is_left_alone()
    {
        var room = WaitingRooms.SaleRoom(SaleId);
        _rooms.Line(room).Observe(frontier: 100, lastSequence: 200, outflow: 0.5);
        var ticket = _signer.Sign(new TicketClaim(room, UserId: 42, Sequence: 150, IssuedAt: Now));

        _rooms.Refresh(SaleId, new SaleQueueState(SaleId, Now.AddMinutes(-1), Now.AddMinutes(30), UnitsLeft: 0));
        _rooms.Refresh(99, new SaleQueueState(99, Now.AddDays(1), Now.AddDays(2), UnitsLeft: 10));

        Assert.IsType<RoomAnswer.SoldOut>(await _service.PollAsync(42, ticket, TimeSpan.Zero, CancellationToken.None));
        Assert.DoesNotContain(99, _rooms.KnownSales);
    }

    private sealed class NoDatabase : IDatabaseGate
    {
        public Task<T> RunAsync<T>(Priority priority, CancellationToken cancellationToken, Func<NpgsqlConnection, CancellationToken, Task<T>> work) =>
            throw new InvalidOperationException("A poll must not reach the database.");

        public ValueTask<DatabaseLease> AcquireAsync(Priority priority, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("A poll must not reach the database.");
    }
}
