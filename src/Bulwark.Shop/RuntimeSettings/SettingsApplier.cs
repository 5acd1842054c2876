using Bulwark.Guard.Deadlines;
using Bulwark.Shop.Database;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bulwark.Shop.RuntimeSettings;

/// <summary>
/// Keeps this instance on the newest settings version: applies it at start, on every NOTIFY, and on a
/// slow poll in case a notification was missed. No restart is ever needed.
/// </summary>
public sealed class SettingsApplier(SettingsStore store, NpgsqlDataSource dataSource, IEnumerable<IRuntimeSettingsConsumer> consumers,
    DatabaseReadiness readiness, IOptions<RuntimeSettingsOptions> options, TimeProvider clock, ILogger<SettingsApplier> logger) : BackgroundService
{
    private readonly SemaphoreSlim _applying = new(1, 1);
    private volatile int _appliedVersion;

    /// <summary>The settings version this instance runs with (0 before the first).</summary>
    public int AppliedVersion => _appliedVersion;

    public async Task ApplyLatestAsync(CancellationToken cancellationToken)
    {
        await _applying.WaitAsync(cancellationToken);
        try
        {
            using var deadline = RequestDeadline.Set(clock.GetUtcNow() + TimeSpan.FromSeconds(5));
            var current = await store.CurrentAsync(cancellationToken);
            if (current is null || current.Version == _appliedVersion)
            {
                return;
            }

            foreach (var consumer in consumers)
            {
                consumer.Apply(current.Settings);
            }

            _appliedVersion = current.Version;
            logger.LogInformation("Applied runtime settings version {Version} ({Reason}, by {ChangedBy})", current.Version, current.Reason, current.ChangedBy);
        }
        finally
        {
            _applying.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!readiness.Migrated)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), clock, stoppingToken);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Runtime settings listener interrupted ({Message}); retrying", exception.Message);
                await Task.Delay(options.Value.PollInterval, clock, stoppingToken);
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        // One long-lived connection outside the gate: it carries no queries, only waits for notifications,
        // and must not take a request's place in the gate.
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        await using (var listen = new NpgsqlCommand($"LISTEN {SettingsStore.Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        await ApplyLatestAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            // Returns on a notification or when the poll interval passes; either way, look for a newer version.
            await connection.WaitAsync(options.Value.PollInterval, stoppingToken);
            await ApplyLatestAsync(stoppingToken);
        }
    }
}
