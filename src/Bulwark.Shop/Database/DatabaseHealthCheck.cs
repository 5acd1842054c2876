using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Bulwark.Shop.Database;

/// <summary>
/// Ready means the schema is migrated and PostgreSQL answers within a second. It asks the data source
/// directly, not through the gate: a shop whose gate is busy serving checkouts is still ready.
/// </summary>
public sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource, DatabaseReadiness readiness) : IHealthCheck
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!readiness.Migrated)
        {
            return HealthCheckResult.Unhealthy("Database migrations have not completed.");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"PostgreSQL did not answer: {exception.Message}");
        }
    }
}
