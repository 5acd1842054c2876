using Bulwark.Guard.Deadlines;
using Bulwark.Shop.WaitingRoom;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Shop.Tests.WaitingRoom;

/// <summary>How long a poll is held: what the client prefers (RFC 7240 <c>Prefer: wait</c>), within the limit and the deadline.</summary>
public sealed class PollHoldTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _clock = new(Now);

    private TimeSpan HoldFor(string? prefer, TimeSpan? limit = null)
    {
        var request = new DefaultHttpContext().Request;
        if (prefer is not null)
        {
            request.Headers["Prefer"] = prefer;
        }

        return WaitingRoomApi.Hold(request, limit ?? Limit, _clock);
    }

    [Theory]
    [InlineData(null, 0)]
    [InlineData("return=minimal", 0)]
    [InlineData("wait=abc", 0)]
    [InlineData("wait=-3", 0)]
    [InlineData("wait=0", 0)]
    [InlineData("wait=1", 1000)]
    [InlineData("wait=30", 1000)]
    [InlineData("respond-async, WAIT=1", 1000)]
    public void The_client_asks_and_the_limit_caps(string? prefer, int milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), HoldFor(prefer));

    [Fact]
    public void A_hold_ends_half_a_second_before_the_requests_deadline_and_never_without_a_limit()
    {
        using (RequestDeadline.Set(Now + TimeSpan.FromMilliseconds(1200)))
        {
            Assert.Equal(TimeSpan.FromMilliseconds(700), HoldFor("wait=5"));
        }

        using (RequestDeadline.Set(Now + TimeSpan.FromMilliseconds(300)))
        {
            Assert.Equal(TimeSpan.Zero, HoldFor("wait=5"));
        }

        Assert.Equal(TimeSpan.Zero, HoldFor("wait=5", limit: TimeSpan.Zero));
    }
}
