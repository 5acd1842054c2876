using System.Collections.Concurrent;
using System.Globalization;
using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Database;
using Dapper;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Accounts;

/// <summary>
/// Signed-out sessions, so that a bearer token stops working on every instance within a second without
/// a database round trip per request. A sign-out is one row in <c>revoked_sessions</c> and a NOTIFY in
/// the same transaction; every instance (through <see cref="DatabaseNotifications"/>) adds the session id
/// to an in-memory set as the notification arrives, and catches up from the table every
/// <see cref="SessionOptions.RevocationCatchUp"/> in case one was lost (the listening connection was down).
/// Checking a token is one dictionary lookup. Tokens expire, so entries are dropped once their token would
/// have expired anyway, in memory and in the table.
/// </summary>
public sealed class SessionRevocations(IDatabaseGate gate, IOptions<SessionOptions> options, TimeProvider clock,
    ILogger<SessionRevocations> logger) : IDatabaseNotificationHandler
{
    public const string NotificationChannel = "bulwark_session_revoked";

    /// <summary>
    /// How far back each catch-up looks before the previous one: a revocation is stamped when its
    /// transaction starts and becomes visible when it commits, which may be a moment later.
    /// </summary>
    private static readonly TimeSpan Overlap = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan PurgeEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);
    private DateTimeOffset? _caughtUpTo;
    private DateTimeOffset _purgedAt = DateTimeOffset.MinValue;

    public string Channel => NotificationChannel;

    public TimeSpan CatchUpInterval => options.Value.RevocationCatchUp;

    /// <summary>Revoked sessions this instance knows of whose tokens have not expired.</summary>
    public int Count => _revoked.Count;

    public bool IsRevoked(string sessionId) => _revoked.ContainsKey(sessionId);

    /// <summary>Revokes the session on every instance: here at once, elsewhere on the NOTIFY.</summary>
    public async Task RevokeAsync(string sessionId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await gate.RunAsync(Priority.Normal, cancellationToken, (connection, token) =>
            connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO revoked_sessions (session_id, expires_at) VALUES (@sessionId, @expiresAt) ON CONFLICT (session_id) DO NOTHING;
                SELECT pg_notify(@channel, @payload);
                """, new
            {
                sessionId,
                expiresAt = expiresAt.UtcDateTime,
                channel = NotificationChannel,
                payload = $"{sessionId} {expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}",
            }, cancellationToken: token)));
        Remember(sessionId, expiresAt);
    }

    public Task OnNotificationAsync(string payload, CancellationToken cancellationToken)
    {
        var parts = payload.Split(' ');
        if (parts.Length == 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var expires))
        {
            Remember(parts[0], DateTimeOffset.FromUnixTimeSeconds(expires));
        }
        else
        {
            logger.LogWarning("Ignored a malformed revocation notification {Payload}", payload);
        }

        return Task.CompletedTask;
    }

    /// <summary>Reads revocations made since the last catch-up (all unexpired ones the first time), then prunes expired ones.</summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        using var deadline = RequestDeadline.Set(clock.GetUtcNow() + TimeSpan.FromSeconds(2));
        var since = _caughtUpTo - Overlap;
        var purge = clock.GetUtcNow() - _purgedAt > PurgeEvery;
        var (serverNow, rows) = await gate.RunAsync(Priority.Normal, cancellationToken, async (connection, token) =>
        {
            // The server's clock, read before the rows: the next catch-up starts from here (less the overlap).
            var now = await connection.ExecuteScalarAsync<DateTime>(new CommandDefinition("SELECT clock_timestamp()", cancellationToken: token));
            var revoked = await connection.QueryAsync<Revoked>(new CommandDefinition("""
                SELECT session_id AS SessionId, expires_at AS ExpiresAt FROM revoked_sessions
                WHERE expires_at > now() AND (@since::timestamptz IS NULL OR revoked_at >= @since)
                """, new { since = since?.UtcDateTime }, cancellationToken: token));
            if (purge)
            {
                await connection.ExecuteAsync(new CommandDefinition("DELETE FROM revoked_sessions WHERE expires_at < now()", cancellationToken: token));
            }

            return (now, revoked);
        });

        foreach (var row in rows)
        {
            Remember(row.SessionId, new DateTimeOffset(DateTime.SpecifyKind(row.ExpiresAt, DateTimeKind.Utc)));
        }

        _caughtUpTo = new DateTimeOffset(DateTime.SpecifyKind(serverNow, DateTimeKind.Utc));
        if (purge)
        {
            _purgedAt = clock.GetUtcNow();
        }

        Prune();
    }

    /// <summary>Forgets revocations whose tokens have expired: the token is refused for its age by then.</summary>
    public void Prune()
    {
        var now = clock.GetUtcNow();
        foreach (var (sessionId, expiresAt) in _revoked)
        {
            if (expiresAt < now)
            {
                _revoked.TryRemove(new KeyValuePair<string, DateTimeOffset>(sessionId, expiresAt));
            }
        }
    }

    private void Remember(string sessionId, DateTimeOffset expiresAt) => _revoked[sessionId] = expiresAt;

    private sealed record Revoked(string SessionId, DateTime ExpiresAt);
}
