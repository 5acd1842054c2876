using System.Diagnostics.Metrics;

namespace Bulwark.Guard.Telemetry;

/// <summary>
/// Reads Npgsql's own connection counts (idle, used) for one data source: Npgsql has no public pool
/// statistics, but publishes them as observable instruments in its "Npgsql" meter, which a private
/// listener can poll on demand.
/// </summary>
public sealed class NpgsqlPoolObserver : IDisposable
{
    private const string CountInstrument = "db.client.connection.count";
    private readonly Lock _lock = new();
    private readonly MeterListener _listener = new();
    private readonly string _poolName;
    private int _idle;
    private int _used;
    private bool _seen;

    /// <param name="poolName">The data source's <c>Name</c>, which Npgsql reports as <c>db.client.connection.pool.name</c>.</param>
    public NpgsqlPoolObserver(string poolName)
    {
        _poolName = poolName;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Npgsql" && instrument.Name == CountInstrument)
            {
                listener.EnableMeasurementEvents(instrument, this);
            }
        };
        _listener.SetMeasurementEventCallback<int>((_, value, tags, _) => Observe(value, tags));
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) => Observe((int)value, tags));
        _listener.Start();
    }

    /// <summary>Npgsql's (idle, used) for the pool, or null when Npgsql reported nothing for it.</summary>
    public (int Idle, int Used)? Read()
    {
        lock (_lock)
        {
            _seen = false;
            _idle = 0;
            _used = 0;
            _listener.RecordObservableInstruments();
            return _seen ? (_idle, _used) : null;
        }
    }

    private void Observe(int value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? pool = null;
        string? state = null;
        foreach (var (key, tagValue) in tags)
        {
            if (key == "db.client.connection.pool.name")
            {
                pool = tagValue as string;
            }
            else if (key == "db.client.connection.state")
            {
                state = tagValue as string;
            }
        }

        if (pool != _poolName)
        {
            return;
        }

        _seen = true;
        if (state == "idle")
        {
            _idle += value;
        }
        else if (state == "used")
        {
            _used += value;
        }
    }

    public void Dispose() => _listener.Dispose();
}
