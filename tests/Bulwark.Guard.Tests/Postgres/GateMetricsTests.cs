using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Bulwark.Guard.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class GateMetricsTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Publishes_the_design_metric_names_tagged_with_the_gates_pool_name()
    {
        await using var host = await GuardHost.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>
        {
            ["PoolName"] = "guard-metrics",
        });
        var seen = new ConcurrentDictionary<string, List<(double Value, Dictionary<string, string?> Tags)>>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == GateMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, string?>();
            foreach (var (key, tag) in tags)
            {
                copy[key] = tag?.ToString();
            }

            seen.GetOrAdd(instrument.Name, _ => []).Add((value, copy));
        }

        listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();
        // The instance's first heartbeat in the shared budget opened a connection before the listener started:
        // let the calls below open a new one, for the creation time.
        host.Services.GetRequiredService<NpgsqlDataSource>().Clear();

        for (var i = 0; i < 3; i++)
        {
            await host.Gate.RunAsync(Priority.Normal, CancellationToken.None, async (connection, token) =>
            {
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                return await command.ExecuteScalarAsync(token);
            });
        }

        host.Services.GetRequiredService<IGatePressure>().RecordRejection(Priority.Sheddable, RejectionReason.QueueDelay);
        listener.RecordObservableInstruments();

        string[] pooled =
        [
            "db.client.connection.count", "db.client.connection.max", "db.client.connection.pending_requests",
            "db.client.connection.timeouts", "db.client.connection.wait_time", "db.client.connection.use_time",
            "db.client.connection.create_time", "bulwark.db.limit", "bulwark.db.leak.suspected",
        ];
        foreach (var name in pooled)
        {
            Assert.True(seen.ContainsKey(name), $"{name} was not published");
            Assert.All(seen[name], m => Assert.Equal("guard-metrics", m.Tags["db.client.connection.pool.name"]));
        }

        Assert.Contains(seen["db.client.connection.count"], m => m.Tags["db.client.connection.state"] == "idle" && m.Value >= 1);
        Assert.Contains(seen["db.client.connection.count"], m => m.Tags["db.client.connection.state"] == "used" && m.Value == 0);
        Assert.Equal(host.Statistics.Ceiling, Assert.Single(seen["db.client.connection.max"]).Value);
        Assert.Equal(3, seen["db.client.connection.wait_time"].Count);
        Assert.Equal(["critical", "normal", "sheddable"], seen["db.client.connection.pending_requests"].Select(m => m.Tags["priority"]).Order());
        var rejected = Assert.Single(seen["bulwark.admission.rejected"]);
        Assert.Equal(("sheddable", "queue_delay", 1.0), (rejected.Tags["priority"], rejected.Tags["reason"], rejected.Value));
    }
}
