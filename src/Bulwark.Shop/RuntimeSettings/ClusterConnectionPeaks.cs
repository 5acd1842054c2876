using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Database;
using Dapper;

namespace Bulwark.Shop.RuntimeSettings;

/// <summary>
/// The connections in use that a settings change must still carry, across instances and restarts. Each
/// instance writes its own peak minute by minute; a change is judged against the highest of them and of this
/// instance's own samples. Without the shared history, a freshly started instance carrying a bad deploy
/// (incident 4) would see no load at all and accept any ceiling.
/// </summary>
public sealed class ClusterConnectionPeaks(ConnectionPeakTracker local, IDatabaseGate gate, DatabaseReadiness readiness,
    TimeProvider clock, ILogger<ClusterConnectionPeaks> logger) : BackgroundService, IConnectionBudget
{
    private static readonly TimeSpan PublishEvery = TimeSpan.FromSeconds(5);

    public (int Ceiling, string Derivation) ServerBudget => local.ServerBudget;

    public async Task<int> PeakInUseAsync(TimeSpan window, CancellationToken cancellationToken)
    {
        var shared = await gate.RunAsync(Priority.Normal, cancellationToken, (connection, token) =>
            connection.ExecuteScalarAsync<int>(new CommandDefinition(
                "SELECT coalesce(max(peak), 0) FROM connection_peaks WHERE minute > now() - @window",
                new { window }, cancellationToken: token)));
        return Math.Max(shared, local.PeakInUse(window));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!readiness.Migrated)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), clock, stoppingToken);
        }

        // Publishing the peak since the last success, not of the last interval: the samples most worth keeping
        // come under overload, when a write at normal priority may be refused.
        var lastPublished = clock.GetUtcNow() - PublishEvery;
        using var timer = new PeriodicTimer(PublishEvery, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = clock.GetUtcNow();
            var peak = local.PeakInUse(now - lastPublished + TimeSpan.FromSeconds(1));
            try
            {
                if (peak > 0)
                {
                    await PublishAsync(peak, stoppingToken);
                }

                lastPublished = now;
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogDebug("Connection peak not shared this time ({Message}); it is sent with the next one", exception.Message);
            }
        }
    }

    private async Task PublishAsync(int peak, CancellationToken cancellationToken)
    {
        using var deadline = RequestDeadline.Set(clock.GetUtcNow() + PublishEvery);
        await gate.RunAsync(Priority.Normal, cancellationToken, (connection, token) =>
            connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO connection_peaks (minute, peak) VALUES (date_trunc('minute', now()), @peak)
                ON CONFLICT (minute) DO UPDATE SET peak = greatest(connection_peaks.peak, excluded.peak);
                DELETE FROM connection_peaks WHERE minute < now() - interval '1 hour';
                """, new { peak }, cancellationToken: token)));
    }
}
