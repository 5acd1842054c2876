using System.Diagnostics.Metrics;
using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Telemetry;

/// <summary>
/// The gate's instruments in the meter <c>Bulwark.Guard</c>, with the OpenTelemetry database-client
/// names DESIGN.md fixes plus <c>bulwark.*</c> for what the gate adds (limit, refusals, leaks).
/// </summary>
/// <remarks>
/// <para>Npgsql 10 publishes some of the same <c>db.client.connection.*</c> names in its own meter
/// ("Npgsql") for its physical pool. Both are kept because they say different things: Npgsql counts
/// physical connections, the gate counts admitted leases and, unlike Npgsql, the waiters in front of
/// them by priority. The two never merge into one series because their <c>db.client.connection.pool.name</c>
/// differs: the gate reports under <c>Guard:PoolName</c> ("bulwark"), and the data source the guard builds
/// is named <c>{PoolName}-npgsql</c>. Dashboards and alerts use the gate's series.</para>
/// <para>Gauges and counters are observed from <see cref="IGateStatisticsProvider"/> at collection time,
/// so the hot path only bumps interlocked counters; histograms are recorded as leases end.</para>
/// </remarks>
public sealed class GateMetrics : IDisposable
{
    public const string MeterName = "Bulwark.Guard";

    private const string PoolTag = "db.client.connection.pool.name";
    private const string StateTag = "db.client.connection.state";

    private static readonly IReadOnlyList<double> SecondsBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _waitTime;
    private readonly Histogram<double> _useTime;
    private readonly Histogram<double> _createTime;
    private readonly KeyValuePair<string, object?> _pool;
    private IGateStatisticsProvider? _source;

    /// <param name="poolName">Value of <c>db.client.connection.pool.name</c> on every instrument.</param>
    /// <param name="meterFactory">The host's factory (DI); null creates a meter of our own.</param>
    public GateMetrics(string poolName, IMeterFactory? meterFactory = null)
    {
        PoolName = poolName;
        _pool = new(PoolTag, poolName);
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);

        _waitTime = _meter.CreateHistogram("db.client.connection.wait_time", "s",
            "Time a caller waited for a lease (admission plus opening the connection).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _useTime = _meter.CreateHistogram("db.client.connection.use_time", "s",
            "Time a lease was held, from admission to release.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _createTime = _meter.CreateHistogram("db.client.connection.create_time", "s",
            "Time to open a connection when the pool had to create a physical one.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

        _meter.CreateObservableUpDownCounter("db.client.connection.count", ObserveCounts, "{connection}",
            "Connections by state: used = leases held, idle = open but not held.");
        _meter.CreateObservableUpDownCounter("db.client.connection.max", () => Observe(s => s.Ceiling), "{connection}",
            "Most connections this instance may hold (the ceiling; Npgsql's Max Pool Size).");
        _meter.CreateObservableUpDownCounter("db.client.connection.pending_requests", ObservePending, "{request}",
            "Callers waiting for a lease, by priority.");
        _meter.CreateObservableCounter("db.client.connection.timeouts", () => Observe(s => s.Timeouts), "{timeout}",
            "Waiters that expired and work cancelled by its deadline.");
        _meter.CreateObservableGauge("bulwark.db.limit", () => Observe(s => s.Limit), "{connection}",
            "The adaptive concurrency limit: leases admitted at once right now.");
        _meter.CreateObservableCounter("bulwark.admission.rejected", ObserveRejected, "{request}",
            "Work refused instead of waiting in vain, by priority and reason.");
        _meter.CreateObservableCounter("bulwark.db.leak.suspected", () => Observe(s => s.LeaksSuspected), "{lease}",
            "Leases held longer than the leak threshold.");
        _meter.CreateObservableCounter("bulwark.db.retries", () => Observe(s => s.Retries), "{retry}",
            "Transient failures retried within the retry budget.");
    }

    public string PoolName { get; }

    /// <summary>Connects the observable instruments to the gate they describe.</summary>
    public void Observe(IGateStatisticsProvider source) => _source = source;

    public void RecordWait(TimeSpan waited, Priority priority) =>
        _waitTime.Record(waited.TotalSeconds, _pool, new("priority", priority.Tag()));

    public void RecordUse(TimeSpan held) => _useTime.Record(held.TotalSeconds, _pool);

    public void RecordCreate(TimeSpan took) => _createTime.Record(took.TotalSeconds, _pool);

    private IEnumerable<Measurement<long>> Observe(Func<GateStatistics, long> value) =>
        _source is { } source ? [new Measurement<long>(value(source.GetStatistics()), _pool)] : [];

    private IEnumerable<Measurement<int>> Observe(Func<GateStatistics, int> value) =>
        _source is { } source ? [new Measurement<int>(value(source.GetStatistics()), _pool)] : [];

    private IEnumerable<Measurement<int>> ObserveCounts()
    {
        if (_source?.GetStatistics() is not { } statistics)
        {
            return [];
        }

        return
        [
            new Measurement<int>(statistics.InUse, _pool, new(StateTag, "used")),
            new Measurement<int>(statistics.Idle, _pool, new(StateTag, "idle")),
        ];
    }

    private IEnumerable<Measurement<long>> ObservePending()
    {
        if (_source?.GetStatistics() is not { } statistics)
        {
            return [];
        }

        return Enum.GetValues<Priority>()
            .Select(p => new Measurement<long>(statistics.Waiting.For(p), _pool, new("priority", p.Tag())))
            .ToList();
    }

    private IEnumerable<Measurement<long>> ObserveRejected()
    {
        if (_source?.GetStatistics() is not { } statistics)
        {
            return [];
        }

        return statistics.Rejected
            .Select(r => new Measurement<long>(r.Count, new KeyValuePair<string, object?>("priority", r.Priority.Tag()),
                new("reason", r.Reason.Tag())))
            .ToList();
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
