using System.Collections.Concurrent;
using Bulwark.Guard.Gate;
using Npgsql;

namespace Bulwark.Shop.Database;

/// <summary>
/// One PostgreSQL channel this instance follows: what a notification on it means here, and how to catch
/// up from the tables when one may have been missed.
/// </summary>
public interface IDatabaseNotificationHandler
{
    /// <summary>The channel's name (a plain identifier).</summary>
    string Channel { get; }

    /// <summary>How often to catch up even when nothing was notified: the safety net for a notification lost while the listening connection was down.</summary>
    TimeSpan CatchUpInterval { get; }

    /// <summary>A notification arrived on the channel.</summary>
    Task OnNotificationAsync(string payload, CancellationToken cancellationToken);

    /// <summary>Brings this instance up to date from the tables: after every (re)connect and every <see cref="CatchUpInterval"/>.</summary>
    Task CatchUpAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The instance's one listening connection: LISTENs on every handler's channel, hands each notification to
/// its handler, and runs each handler's catch-up right after (re)connecting — after the LISTEN, so nothing
/// falls between — and on its interval. The connection is taken outside the gate: it carries no queries,
/// only waits, and must not take a request's place. A handler that fails is logged and tried again on its
/// next interval; a broken connection is replaced.
/// </summary>
public sealed class DatabaseNotifications(DirectConnections direct, IEnumerable<IDatabaseNotificationHandler> handlers,
    DatabaseReadiness readiness, TimeProvider clock, ILogger<DatabaseNotifications> logger) : BackgroundService
{
    private readonly IDatabaseNotificationHandler[] _handlers = [.. handlers];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_handlers.Length == 0)
        {
            return;
        }

        while (!readiness.Migrated)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), clock, stoppingToken);
        }

        var retryDelay = _handlers.Min(handler => handler.CatchUpInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Database notification listener interrupted ({Message}); reconnecting", exception.Message);
                await Task.Delay(retryDelay, clock, stoppingToken);
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var connection = await direct.DataSource.OpenConnectionAsync(stoppingToken);
        // Raised on the connection's reading thread inside WaitAsync; handled after it returns.
        var received = new ConcurrentQueue<NpgsqlNotificationEventArgs>();
        connection.Notification += (_, notification) => received.Enqueue(notification);
        foreach (var channel in _handlers.Select(handler => handler.Channel).Distinct(StringComparer.Ordinal))
        {
            await using var listen = new NpgsqlCommand($"LISTEN \"{channel}\"", connection);
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        var due = new long[_handlers.Length];
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = clock.GetTimestamp();
            for (var i = 0; i < _handlers.Length; i++)
            {
                if (now >= due[i])
                {
                    await RunAsync(_handlers[i], "catch up", handler => handler.CatchUpAsync(stoppingToken), stoppingToken);
                    due[i] = clock.GetTimestamp() + (long)(_handlers[i].CatchUpInterval.TotalSeconds * clock.TimestampFrequency);
                }
            }

            // Npgsql reads a zero timeout as "forever": wait at least a millisecond.
            var wait = clock.GetElapsedTime(clock.GetTimestamp(), due.Min());
            await connection.WaitAsync(wait > TimeSpan.FromMilliseconds(1) ? wait : TimeSpan.FromMilliseconds(1), stoppingToken);
            while (received.TryDequeue(out var notification))
            {
                foreach (var handler in _handlers.Where(handler => handler.Channel == notification.Channel))
                {
                    await RunAsync(handler, "notification", target => target.OnNotificationAsync(notification.Payload, stoppingToken), stoppingToken);
                }
            }
        }
    }

    private async Task RunAsync(IDatabaseNotificationHandler handler, string what, Func<IDatabaseNotificationHandler, Task> work,
        CancellationToken stoppingToken)
    {
        try
        {
            await work(handler);
        }
        catch (AdmissionRejectedException refused)
        {
            // Expected under load: the gate keeps its connections for requests. One line, not a stack trace in the midst of a sale.
            logger.LogInformation("{Channel} {What} put off: the database gate refused it ({Reason}); retried on its next interval",
                handler.Channel, what, refused.Reason.Tag());
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // The listening connection is fine; the handler's own query failed (its deadline, a broken statement).
            logger.LogWarning(exception, "{Channel} {What} failed; retried on its next interval", handler.Channel, what);
        }
    }
}
