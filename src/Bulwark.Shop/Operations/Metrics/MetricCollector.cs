using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Bulwark.Shop.Operations.Metrics;

/// <summary>
/// Listens to the shop's meters in process and keeps their running values, so a scrape or the dashboard
/// reads the same numbers without an SDK in between.
/// </summary>
public sealed class MetricCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentAggregator> _aggregators = new();
    private readonly HashSet<string> _meterNames;
    private readonly IMeterFactory? _meterFactory;
    private readonly Lock _collectLock = new();

    /// <param name="meterNames">Meters to listen to.</param>
    /// <param name="meterFactory">
    /// This application's meter factory. Meters created by another host's factory in the same process
    /// (tests run several shops side by side) are not ours and are ignored; static meters are shared.
    /// </param>
    public MetricCollector(IEnumerable<string> meterNames, IMeterFactory? meterFactory = null)
    {
        _meterNames = new HashSet<string>(meterNames, StringComparer.Ordinal);
        _meterFactory = meterFactory;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!_meterNames.Contains(instrument.Meter.Name)
                || (instrument.Meter.Scope is not null && !ReferenceEquals(instrument.Meter.Scope, _meterFactory)))
            {
                return;
            }

            var aggregator = InstrumentAggregator.For(instrument);
            _aggregators[instrument] = aggregator;
            listener.EnableMeasurementEvents(instrument, aggregator);
        };
        _listener.MeasurementsCompleted = (instrument, _) => _aggregators.TryRemove(instrument, out InstrumentAggregator? _);
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => Record(state, (double)value, tags));
        _listener.Start();
    }

    /// <summary>Asks observable instruments for their current values and answers every instrument's state.</summary>
    public CollectedMetrics Collect()
    {
        lock (_collectLock)
        {
            var aggregators = _aggregators.Values.ToArray();
            foreach (var aggregator in aggregators)
            {
                if (aggregator.ReportsOnCollection)
                {
                    aggregator.BeginCollection();
                }
            }

            _listener.RecordObservableInstruments();
            return new CollectedMetrics([.. aggregators
                .Select(aggregator => aggregator.Snapshot())
                .Where(snapshot => snapshot.Points.Count > 0)
                .OrderBy(snapshot => snapshot.MeterName, StringComparer.Ordinal)
                .ThenBy(snapshot => snapshot.Name, StringComparer.Ordinal)]);
        }
    }

    public void Dispose() => _listener.Dispose();

    private static void Record(object? state, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // NaN carries no information and would poison sums; infinities do (an overflowing histogram bucket).
        if (!double.IsNaN(value) && state is InstrumentAggregator aggregator)
        {
            aggregator.Record(value, tags);
        }
    }
}
