using Bulwark.Guard.Deadlines;
using Bulwark.Guard.DependencyInjection;
using Bulwark.Guard.Gate;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bulwark.Shop.Catalog;

/// <summary>
/// Whether the standbys may serve catalog reads right now: measured in the background (every
/// <c>Catalog:ReplicaCheck</c>) through the read-only gate, so a request only reads a flag. A standby is
/// caught up when it has replayed all the WAL it received (<c>pg_last_wal_receive_lsn() =
/// pg_last_wal_replay_lsn()</c>: an idle primary sends nothing, and <c>now() - pg_last_xact_replay_timestamp()</c>
/// would grow forever); otherwise its lag is the age of the last transaction it replayed. With several hosts
/// (Load Balance Hosts spreads the checks over them) every host seen in the last few checks must be within the
/// bound: reads are not routed host by host, so one lagging standby sends them all to the primary.
/// </summary>
public sealed partial class ReplicaLag(IServiceProvider services, IOptions<CatalogOptions> options, TimeProvider clock, ILogger<ReplicaLag> logger)
    : BackgroundService
{
    private readonly Dictionary<string, (TimeSpan Lag, DateTimeOffset At)> _hosts = [];
    private volatile bool _usable;

    /// <summary>True while the standbys are within <c>Catalog:MaxReplicaLag</c> and answered the last check.</summary>
    public bool Usable => _usable;

    /// <summary>A read on the standby failed to connect: use the primary until the next check says otherwise.</summary>
    public void Failed() => _usable = false;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Resolved only now: the gate's pool is built once the start-up has asked the standby for its budget.
        var gate = services.GetRequiredService<ReadOnlyGate>();
        var period = options.Value.ReplicaCheck;
        using var timer = new PeriodicTimer(period, clock);
        do
        {
            var usable = await CheckAsync(gate, stoppingToken);
            if (usable != _usable)
            {
                StandbysChanged(logger, usable ? "serve" : "no longer serve", options.Value.MaxReplicaLag.TotalMilliseconds);
            }

            _usable = usable;
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private async Task<bool> CheckAsync(ReadOnlyGate gate, CancellationToken stoppingToken)
    {
        try
        {
            using var deadline = RequestDeadline.Set(clock.GetUtcNow() + TimeSpan.FromSeconds(1));
            var (host, lag) = await gate.Gate.RunAsync(Priority.Critical, stoppingToken, async (connection, token) =>
            {
                await using var measure = new NpgsqlCommand("""
                    SELECT CASE
                        WHEN NOT pg_is_in_recovery() THEN 0
                        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                        ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 1e9)::float8
                    END
                    """, connection);
                return ($"{connection.Host}:{connection.Port}", TimeSpan.FromSeconds((double)(await measure.ExecuteScalarAsync(token))!));
            });
            var now = clock.GetUtcNow();
            _hosts[host] = (lag, now);
            var recent = now - options.Value.ReplicaCheck * 4;
            return _hosts.Values.Where(h => h.At >= recent).All(h => h.Lag <= options.Value.MaxReplicaLag);
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            CheckFailed(logger, failure.Message);
            return false;
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 5300, Level = LogLevel.Information, Message = "The standbys {Change} catalog reads (bound {BoundMs} ms of replication lag).")]
    private static partial void StandbysChanged(ILogger logger, string change, double boundMs);

    [LoggerMessage(EventId = 5301, Level = LogLevel.Debug, Message = "Standby check failed; catalog reads use the primary. {Failure}")]
    private static partial void CheckFailed(ILogger logger, string failure);
}
