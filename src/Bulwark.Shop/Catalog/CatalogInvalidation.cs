using System.Globalization;
using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Database;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bulwark.Shop.Catalog;

/// <summary>
/// Keeps every instance's catalog cache honest after an admin change. The change's transaction bumps the
/// <c>catalog_revision</c> sequence and sends a NOTIFY, delivered when it commits; each instance (through
/// <see cref="DatabaseNotifications"/>) drops its cache on the notification, so a new price or stock level
/// is served everywhere within a moment however long the cache TTL. A notification lost while the listening
/// connection was down is caught by comparing the revision every <see cref="CatalogOptions.InvalidationCatchUp"/>.
/// The notification carries the revision it made ("{revision} {what}"), so the next comparison does not clear the
/// cache a second time for a change already heard of (which dropped whatever was cached between the two).
/// </summary>
public sealed class CatalogInvalidation(CatalogCache cache, IDatabaseGate gate, IOptions<CatalogOptions> options, TimeProvider clock)
    : IDatabaseNotificationHandler
{
    public const string NotificationChannel = "bulwark_catalog_changed";

    private long? _revision;

    public string Channel => NotificationChannel;

    public TimeSpan CatchUpInterval => options.Value.InvalidationCatchUp;

    /// <summary>
    /// Announces a catalog change from inside its transaction: other instances hear it when the transaction
    /// commits, and not at all if it rolls back. The caller clears its own cache after the commit.
    /// </summary>
    public static Task AnnounceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string what, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("SELECT pg_notify(@channel, nextval('catalog_revision') || ' ' || @what)",
            new { channel = NotificationChannel, what }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Clears the cache, and remembers the revision the change made as seen. Notifications and catch-ups run one after
    /// another on the listener's loop, so <c>_revision</c> needs no lock. Revisions may be notified out of order (taken
    /// in one order, committed in another): the highest heard is kept, since every one up to it was heard or is still
    /// to come. A payload without a revision (an instance of an older version, mid-deploy) just clears, and so does one
    /// heard before the first catch-up: until then nothing is known, and that catch-up must clear.
    /// </summary>
    public Task OnNotificationAsync(string payload, CancellationToken cancellationToken)
    {
        cache.Clear();
        var end = payload.IndexOf(' ');
        if (long.TryParse(end < 0 ? payload : payload[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var revision) && _revision is { } known)
        {
            _revision = Math.Max(known, revision);
        }

        return Task.CompletedTask;
    }

    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        using var deadline = RequestDeadline.Set(clock.GetUtcNow() + TimeSpan.FromSeconds(2));
        // last_value of a sequence nobody has called nextval on yet is its start, 1: compared all the same.
        var revision = await gate.RunAsync(Priority.Normal, cancellationToken, (connection, token) =>
            connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT last_value FROM catalog_revision", cancellationToken: token)));
        // Unknown at first, so the first catch-up clears; later a moved revision means a change this
        // instance may not have heard of (clearing twice for one that was notified costs one reload).
        if (_revision != revision)
        {
            cache.Clear();
            _revision = revision;
        }
    }
}
