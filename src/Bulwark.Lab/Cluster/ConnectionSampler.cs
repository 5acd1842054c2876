using System.Collections.Concurrent;
using Npgsql;

namespace Bulwark.Lab.Cluster;

/// <summary>
/// Reads the primary's <c>pg_stat_activity</c> (and the shared budget's instance rows) every
/// <see cref="Interval"/> while a cluster run lasts, on one connection of its own held for the run, so a
/// server with no connection left still gets observed by the one it already gave the lab.
/// </summary>
public sealed class ConnectionSampler(string primaryConnectionString, TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    const string Activity = "SELECT backend_type, application_name, count(*)::int FROM pg_stat_activity WHERE pid <> pg_backend_pid() GROUP BY 1, 2";

    // The rows the instances' heartbeats keep: a dead instance's row goes when the others' heartbeats expire it.
    // Asked in two steps: a statement naming a table that does not exist (naive shops never create it) fails to parse.
    const string HasInstances = "SELECT to_regclass('bulwark_guard_instances') IS NOT NULL";
    const string Instances = "SELECT count(DISTINCT pid)::int FROM bulwark_guard_instances";

    readonly ConcurrentQueue<ConnectionSample> _samples = new();

    public IReadOnlyList<ConnectionSample> Samples => [.. _samples];

    public int Failures { get; private set; }

    public string? LastError { get; private set; }

    public async Task RunAsync(long runStart, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(primaryConnectionString) { Pooling = false, ApplicationName = "bulwark-lab-observer", Timeout = 5 };
        NpgsqlConnection? connection = null;
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    if (connection is null)
                    {
                        connection = new NpgsqlConnection(builder.ConnectionString);
                        await connection.OpenAsync(ct);
                    }
                    _samples.Enqueue(await SampleAsync(connection, time.GetElapsedTime(runStart).TotalSeconds, ct));
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException && !ct.IsCancellationRequested)
                {
                    Failures++;
                    LastError = e.Message;
                    if (connection is not null) await connection.DisposeAsync();
                    connection = null;
                }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The run is over.
        }
        finally
        {
            if (connection is not null) await connection.DisposeAsync();
        }
    }

    static async Task<ConnectionSample> SampleAsync(NpgsqlConnection connection, double at, CancellationToken ct)
    {
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var activity = new NpgsqlCommand(Activity, connection))
        await using (var reader = await activity.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var name = ConnectionSample.NameOf(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
                byName[name] = byName.GetValueOrDefault(name) + reader.GetInt32(2);
            }
        }
        await using var exists = new NpgsqlCommand(HasInstances, connection);
        if (await exists.ExecuteScalarAsync(ct) is not true) return new ConnectionSample(at, byName, null);
        await using var instances = new NpgsqlCommand(Instances, connection);
        return new ConnectionSample(at, byName, (int)(await instances.ExecuteScalarAsync(ct))!);
    }
}
