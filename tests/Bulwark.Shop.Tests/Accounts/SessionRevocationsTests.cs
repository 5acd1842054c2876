using Bulwark.Guard.Gate;
using Bulwark.Shop.Accounts;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Microsoft.Extensions.Time.Testing;
namespace Bulwark.Shop.Tests.Accounts;

/// <summary>The in-memory side of sign-out: notifications in, expired sessions out, on an injected clock.</summary>
public sealed class SessionRevocationsTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    private SessionRevocations Revocations() => new(new NoDatabase(), Microsoft.Extensions.Options.Options.Create(new Bulwark.Shop.Accounts.SessionOptions()),
        _clock, NullLogger<SessionRevocations>.Instance);

    [Fact]
    public async Task A_notified_session_is_revoked_until_its_token_would_have_expired()
    {
        var revocations = Revocations();
        var expires = _clock.GetUtcNow().AddMinutes(30).ToUnixTimeSeconds();
        await revocations.OnNotificationAsync($"abc123 {expires}", CancellationToken.None);
        await revocations.OnNotificationAsync("garbage", CancellationToken.None);

        Assert.True(revocations.IsRevoked("abc123"));
        Assert.False(revocations.IsRevoked("other"));
        _clock.Advance(TimeSpan.FromMinutes(29));
        revocations.Prune();
        Assert.True(revocations.IsRevoked("abc123"));

        // Expired: the token is refused for its age now, so the set need not remember it.
        _clock.Advance(TimeSpan.FromMinutes(2));
        revocations.Prune();
        Assert.False(revocations.IsRevoked("abc123"));
        Assert.Equal(0, revocations.Count);
    }

    private sealed class NoDatabase : IDatabaseGate
    {
        public Task<T> RunAsync<T>(Priority priority, CancellationToken cancellationToken, Func<NpgsqlConnection, CancellationToken, Task<T>> work) =>
            throw new InvalidOperationException("no database in this test");

        public ValueTask<DatabaseLease> AcquireAsync(Priority priority, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("no database in this test");
    }
}
