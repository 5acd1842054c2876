namespace Bulwark.Shop.Database;

/// <summary>
/// Brings the schema up to date in the background and keeps trying while the database is unreachable,
/// so a shop started before its database recovers by itself instead of crashing at boot.
/// </summary>
public sealed class DatabaseStartup(MigrationRunner runner, DatabaseReadiness readiness, IEnumerable<IStartupTask> startupTasks,
    ILogger<DatabaseStartup> logger, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var migrations = Migration.LoadEmbedded();
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await runner.ApplyAsync(migrations, stoppingToken);
                foreach (var task in startupTasks)
                {
                    await task.RunAsync(stoppingToken);
                }

                readiness.MarkMigrated();
                logger.LogInformation("Database schema is at version {Version}", migrations[^1].Version);
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Database not ready yet ({Message}); retrying in {Delay} ms", exception.Message, delay.TotalMilliseconds);
                await Task.Delay(delay, clock, stoppingToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
        }
    }
}

/// <summary>Work that must follow the migrations before the shop reports ready (e.g. creating the first admin).</summary>
public interface IStartupTask
{
    Task RunAsync(CancellationToken cancellationToken);
}
