using Bulwark.Guard.Telemetry;
using Npgsql;

namespace Bulwark.Guard.Gate;

/// <summary>
/// No gate at all: every caller opens a connection straight from Npgsql's pool and waits there, first
/// come first served. This is how the platforms in the incident reports ran (<c>Guard:Mode=off</c>),
/// kept so the lab can show the difference side by side. It measures what it sees (waiters, wait and
/// use times, pool timeouts) under the same metric names as the guarded gate, so both modes can be
/// compared on one dashboard; it changes nothing about how connections are handed out.
/// </summary>
public sealed class PassThroughGate : IDatabaseGate, IGatePressure, IGateStatisticsProvider, IGateControl, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _clock;
    private readonly GateMetrics? _metrics;
    private readonly NpgsqlPoolObserver? _npgsqlPool;
    private readonly GateCounters _counters = new();
    private readonly int[] _waiting = new int[3];
    private readonly int _maxPoolSize;
    private volatile GateSettings _settings = new();
    private int _inUse;

    public PassThroughGate(NpgsqlDataSource dataSource)
        : this(dataSource, TimeProvider.System, metrics: null, npgsqlPoolName: null)
    {
    }

    /// <param name="dataSource">Npgsql's pool, used as is.</param>
    /// <param name="clock">For wait and use times.</param>
    /// <param name="metrics">Instruments to feed; null for none.</param>
    /// <param name="npgsqlPoolName">The data source's Npgsql name, to read its idle connections.</param>
    public PassThroughGate(NpgsqlDataSource dataSource, TimeProvider clock, GateMetrics? metrics, string? npgsqlPoolName)
    {
        _dataSource = dataSource;
        _clock = clock;
        _metrics = metrics;
        _maxPoolSize = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxPoolSize;
        _npgsqlPool = npgsqlPoolName is null ? null : new NpgsqlPoolObserver(npgsqlPoolName);
        metrics?.Observe(this);
    }

    public GateSettings Settings => _settings;

    public int ServerCeiling => _maxPoolSize;

    public async Task<T> RunAsync<T>(Priority priority, CancellationToken cancellationToken,
        Func<NpgsqlConnection, CancellationToken, Task<T>> work)
    {
        await using var lease = await AcquireAsync(priority, cancellationToken);
        return await work(lease.Connection, cancellationToken);
    }

    public async ValueTask<DatabaseLease> AcquireAsync(Priority priority, CancellationToken cancellationToken)
    {
        var started = _clock.GetTimestamp();
        Interlocked.Increment(ref _waiting[(int)priority]);
        NpgsqlConnection connection;
        try
        {
            (connection, var created) = await PhysicalConnections.OpenAsync(_dataSource, cancellationToken);
            if (created)
            {
                _metrics?.RecordCreate(_clock.GetElapsedTime(started));
            }
        }
        catch (NpgsqlException failure) when (failure.InnerException is TimeoutException)
        {
            // Npgsql's "pool exhausted" after its connection timeout (15 s by default).
            _counters.TimedOut();
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting[(int)priority]);
        }

        var waited = _clock.GetElapsedTime(started);
        _counters.Admitted(priority);
        _counters.QueueDelay.Record(waited);
        _metrics?.RecordWait(waited, priority);
        Interlocked.Increment(ref _inUse);
        var acquired = _clock.GetTimestamp();
        return new DatabaseLease(connection, () =>
        {
            Interlocked.Decrement(ref _inUse);
            _metrics?.RecordUse(_clock.GetElapsedTime(acquired));
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>Never sheds: there is no queue it controls.</summary>
    public TimeSpan EstimatedQueueDelay(Priority priority) => TimeSpan.Zero;

    public TimeSpan EstimatedDrainTime(Priority priority, TimeSpan target) => TimeSpan.Zero;

    public bool AbsorbingBurst(Priority priority, TimeSpan target, TimeSpan interval) => true;

    public void RecordRejection(Priority priority, RejectionReason reason) => _counters.Rejected(priority, reason);

    /// <summary>Keeps the settings (validated) for when the guard is switched back on; nothing else changes.</summary>
    public void Apply(GateSettings settings)
    {
        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(settings));
        }

        _settings = settings;
    }

    /// <summary>Nothing to share: without the gate the pool is whatever the connection string says.</summary>
    public void SetShare(int connections)
    {
    }

    public Task<int> RefreshCeilingAsync(CancellationToken cancellationToken) => Task.FromResult(_maxPoolSize);

    public GateStatistics GetStatistics()
    {
        var inUse = Volatile.Read(ref _inUse);
        var delays = _counters.QueueDelay.Percentiles(0.5, 0.99);
        return new GateStatistics
        {
            Mode = GuardMode.Off,
            PoolName = _metrics?.PoolName ?? "npgsql",
            Algorithm = "none",
            Limit = _maxPoolSize,
            Floor = _maxPoolSize,
            Ceiling = _maxPoolSize,
            InUse = inUse,
            Idle = _npgsqlPool?.Read() is { } npgsql ? npgsql.Idle : Math.Max(0, _maxPoolSize - inUse),
            Waiting = PriorityCounts.From(p => Volatile.Read(ref _waiting[(int)p])),
            QueueDelayP50 = delays[0],
            QueueDelayP99 = delays[1],
            Admitted = PriorityCounts.From(_counters.AdmittedCount),
            Rejected = DatabaseGate.RejectionsOf(_counters),
            Timeouts = _counters.Timeouts,
            Retries = 0,
            LeaksSuspected = 0,
        };
    }

    public void Dispose() => _npgsqlPool?.Dispose();
}
