using Bulwark.Guard.Edge;
using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Leaks;
using Bulwark.Guard.Retries;
using Bulwark.Guard.Telemetry;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bulwark.Guard.Gate;

/// <summary>
/// The guarded door to PostgreSQL: <see cref="ConcurrencyGate"/> decides who may hold a connection,
/// Npgsql's pool (sized to the ceiling, so it never has to make anyone wait) provides it. Every lease
/// runs under its deadline: the request's (<see cref="RequestDeadline"/>) or its priority's default.
/// </summary>
/// <remarks>
/// <para>Statement timeouts: the lease's <see cref="DatabaseLease.CancellationToken"/> fires at the
/// deadline and Npgsql turns that into a PostgreSQL cancel request for the running statement, which is
/// a per-statement timeout that follows the remaining deadline exactly. The alternatives were worse with
/// a pool: <c>SET statement_timeout</c> per lease costs a round trip on every lease, and
/// <c>NpgsqlCommand.CommandTimeout</c> is fixed per command by the code that builds it. A server-side
/// <c>statement_timeout</c> in the startup options (set by the guard's data source builder to the
/// longest deadline) remains as a backstop for a client that dies mid-statement; startup options survive
/// the pool's reset between leases.</para>
/// <para>Retries (<see cref="RunAsync{T}"/> only): transient failures are retried on a fresh lease,
/// after a jittered backoff, only while the deadline leaves room and the retry budget allows.</para>
/// </remarks>
public sealed partial class DatabaseGate : IDatabaseGate, IGatePressure, IGateStatisticsProvider, IGateControl, ILeaseOwner, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly DatabaseGateOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly GateMetrics? _metrics;
    private readonly ConcurrencyGate _core;
    private readonly LeakDetector _leaks;
    private readonly RetryBudget _budget;
    private readonly Backoff _backoff;
    private readonly NpgsqlPoolObserver? _npgsqlPool;
    private long _lastPoolClear;
    private readonly int _maxPoolSize;

    /// <param name="dataSource">A pooling data source whose Max Pool Size is the ceiling (see <c>GuardDataSource</c>).</param>
    /// <param name="settings">Initial runtime settings.</param>
    /// <param name="options">Fixed options (pool names, leak threshold, retries, ceiling inputs).</param>
    /// <param name="clock">All time comes from here.</param>
    /// <param name="logger">Leak warnings and retry notes.</param>
    /// <param name="metrics">Instruments to feed; null for none.</param>
    /// <param name="random">Backoff jitter; defaults to <see cref="Random.Shared"/>.</param>
    public DatabaseGate(NpgsqlDataSource dataSource, GateSettings settings, DatabaseGateOptions options, TimeProvider clock,
        ILogger<DatabaseGate> logger, GateMetrics? metrics = null, Random? random = null)
    {
        _dataSource = dataSource;
        _options = options;
        _clock = clock;
        _logger = logger;
        _metrics = metrics;
        _maxPoolSize = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxPoolSize;
        _core = new ConcurrencyGate(settings, options.ServerCeiling ?? _maxPoolSize, clock);
        _leaks = new LeakDetector(clock, options.LeakThreshold, _core.Counters, logger);
        _budget = new RetryBudget(clock, options.Retry);
        _backoff = new Backoff(options.Retry, random ?? Random.Shared);
        _npgsqlPool = options.NpgsqlPoolName is { } name ? new NpgsqlPoolObserver(name) : null;
        metrics?.Observe(this);
    }

    /// <summary>The admission core (limit, queues, counters).</summary>
    public ConcurrencyGate Core => _core;

    public GateSettings Settings => _core.Settings;

    public int ServerCeiling => _core.ServerCeiling;

    public RetryBudget RetryBudget => _budget;

    public async Task<T> RunAsync<T>(Priority priority, CancellationToken cancellationToken,
        Func<NpgsqlConnection, CancellationToken, Task<T>> work)
    {
        var deadline = DeadlineFor(priority);
        _budget.RecordFirstAttempt();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RunOnceAsync(priority, deadline, cancellationToken, work);
            }
            catch (Exception failure) when (TransientFailures.IsTransient(failure) && !cancellationToken.IsCancellationRequested)
            {
                DiscardIdleConnectionsAfter(failure);
                var delay = _backoff.Delay(attempt);
                var left = deadline - _clock.GetUtcNow();
                if (attempt >= _options.Retry.MaxAttempts || left < delay + _core.ExpectedHoldTime)
                {
                    throw;
                }

                if (!_budget.TryWithdraw())
                {
                    RetryBudgetExhausted(_logger, Operation, failure.Message);
                    throw;
                }

                _core.Counters.Retried();
                Retrying(_logger, Operation, attempt, delay.TotalMilliseconds, failure.Message);
                await Task.Delay(delay, _clock, cancellationToken);
            }
        }
    }

    /// <summary>
    /// After a connection loss, the pool's idle connections to the same server are most likely dead too
    /// (a crash or restart cut them all): drop them at once, so each later request does not meet one and
    /// fail in turn. In-use connections are closed as they come back. At most once a second.
    /// </summary>
    private void DiscardIdleConnectionsAfter(Exception failure)
    {
        var now = _clock.GetTimestamp();
        var last = Interlocked.Read(ref _lastPoolClear);
        if (!TransientFailures.IsConnectionLoss(failure)
            || (last != 0 && _clock.GetElapsedTime(last, now) < TimeSpan.FromSeconds(1))
            || Interlocked.CompareExchange(ref _lastPoolClear, now, last) != last)
        {
            return;
        }

        PoolCleared(_logger, failure.Message);
        _dataSource.Clear();
    }

    private async Task<T> RunOnceAsync<T>(Priority priority, DateTimeOffset deadline, CancellationToken cancellationToken,
        Func<NpgsqlConnection, CancellationToken, Task<T>> work)
    {
        var lease = await AcquireAsync(priority, deadline, cancellationToken);
        var running = WorkAsync(lease, work);
        if (running.IsCompleted)
        {
            return await running;
        }

        // The lease's token cancels the work at the deadline, and a live server confirms within milliseconds.
        // A hung server (frozen, or a network that drops packets) confirms nothing, and Npgsql then waits on
        // it: the caller is answered anyway, shortly after its deadline, while the work finishes (and gives
        // its connection back) whenever the server moves again.
        var stopWaiting = deadline + HungServerGrace - _clock.GetUtcNow();
        try
        {
            return await running.WaitAsync(stopWaiting > TimeSpan.Zero ? stopWaiting : TimeSpan.Zero, _clock);
        }
        catch (TimeoutException)
        {
            _ = running.ContinueWith(static abandoned => _ = abandoned.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            _core.Counters.TimedOut();
            ServerNotAnswering(_logger, Operation, HungServerGrace.TotalMilliseconds);
            throw new AdmissionRejectedException(priority, RejectionReason.Expired, _core.EstimatedQueueDelay(priority));
        }
    }

    /// <summary>
    /// Whether a pending open finishes by the deadline (plus grace). Npgsql honours cancellation while it
    /// waits for a pooled connection, but not always while a hung server sits on a new connection's startup:
    /// the caller is then refused, and the open is left to finish, close its connection and give back the permit.
    /// </summary>
    private async Task<bool> OpensInTimeAsync(Task<(NpgsqlConnection Connection, bool Created)> opening, DateTimeOffset deadline)
    {
        var stopWaiting = deadline + HungServerGrace - _clock.GetUtcNow();
        try
        {
            await opening.WaitAsync(stopWaiting > TimeSpan.Zero ? stopWaiting : TimeSpan.Zero, _clock);
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // The open failed before the deadline: awaiting it again hands the failure to the usual handling.
        }

        return true;
    }

    private async Task FinishAbandonedOpenAsync(Task<(NpgsqlConnection Connection, bool Created)> opening,
        Permit permit, CancellationTokenRegistration callerLink, CancellationTokenSource deadlineSource)
    {
        try
        {
            var (connection, _) = await opening;
            await connection.DisposeAsync();
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // Failed after its caller had gone (nobody is left to tell): only the permit is left to hand back.
        }
        finally
        {
            await callerLink.DisposeAsync();
            deadlineSource.Dispose();
            _core.Exit(permit, LeaseOutcome.Dropped);
        }
    }

    /// <summary>
    /// How long past its deadline a caller waits for work the server does not let go of. A live server
    /// confirms a cancel in milliseconds even on a starved CPU; waiting a second more before giving up keeps
    /// "refused, yet it committed later" to servers that really are not answering.
    /// </summary>
    private static readonly TimeSpan HungServerGrace = TimeSpan.FromSeconds(1);

    private async Task<T> WorkAsync<T>(DatabaseLease lease, Func<NpgsqlConnection, CancellationToken, Task<T>> work)
    {
        await using (lease)
        {
            try
            {
                return await work(lease.Connection, lease.CancellationToken);
            }
            catch (Exception failure)
            {
                lease.Outcome = OutcomeOf(failure, lease);
                throw;
            }
        }
    }

    public ValueTask<DatabaseLease> AcquireAsync(Priority priority, CancellationToken cancellationToken) =>
        AcquireAsync(priority, DeadlineFor(priority), cancellationToken);

    private ValueTask<DatabaseLease> AcquireAsync(Priority priority, DateTimeOffset deadline, CancellationToken cancellationToken) =>
        GateTracing.Source.HasListeners()
            ? AcquireTracedAsync(priority, deadline, cancellationToken)
            : AcquireUntracedAsync(priority, deadline, cancellationToken);

    private async ValueTask<DatabaseLease> AcquireTracedAsync(Priority priority, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        // The span ends when the connection is held (or refused), so it measures the wait, not the work.
        using var span = GateTracing.StartWait(priority);
        try
        {
            return await AcquireUntracedAsync(priority, deadline, cancellationToken);
        }
        catch (AdmissionRejectedException rejected)
        {
            GateTracing.Refused(span, rejected.Reason);
            throw;
        }
    }

    private async ValueTask<DatabaseLease> AcquireUntracedAsync(Priority priority, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var started = _clock.GetTimestamp();
        var left = deadline - _clock.GetUtcNow();
        if (left <= TimeSpan.Zero)
        {
            // Already too late: spending a connection on it could only delay work that can still finish.
            _core.Counters.Rejected(priority, RejectionReason.Expired);
            _core.Counters.TimedOut();
            throw new AdmissionRejectedException(priority, RejectionReason.Expired, _core.EstimatedQueueDelay(priority));
        }

        if (GateShedding.TargetFor(priority) is { } judgedBy && LoadShedding.ShouldShed(this, _core.Settings, priority, judgedBy, out var drain))
        {
            // The edge did not judge this work at its priority (a cache-first endpoint, or lower-priority work inside a
            // request judged at a higher one): its queue delay is judged here, when it needs a connection.
            RecordRejection(priority, RejectionReason.QueueDelay);
            throw new AdmissionRejectedException(priority, RejectionReason.QueueDelay, drain);
        }

        var permit = await _core.EnterAsync(priority, _core.TimestampOf(deadline), cancellationToken, ContinuingWork.Active);
        var remaining = deadline - _clock.GetUtcNow();
        var deadlineSource = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, _clock);
        var callerLink = cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), deadlineSource);
        NpgsqlConnection connection;
        var abandoned = false;
        try
        {
            var openedAt = _clock.GetTimestamp();
            var open = PhysicalConnections.OpenAsync(_dataSource, deadlineSource.Token);
            if (!open.IsCompleted)
            {
                var opening = open.AsTask();
                if (!await OpensInTimeAsync(opening, deadline))
                {
                    // Left to finish on its own: it closes its connection and gives the permit back then.
                    _ = FinishAbandonedOpenAsync(opening, permit, callerLink, deadlineSource);
                    abandoned = true;
                }

                open = new ValueTask<(NpgsqlConnection, bool)>(opening);
            }

            (connection, var created) = abandoned ? default : await open;
            if (created)
            {
                _metrics?.RecordCreate(_clock.GetElapsedTime(openedAt));
            }
        }
        catch (Exception failure)
        {
            await callerLink.DisposeAsync();
            deadlineSource.Dispose();
            _core.Exit(permit, cancellationToken.IsCancellationRequested ? LeaseOutcome.Abandoned : LeaseOutcome.Dropped);
            if (failure is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                _core.Counters.TimedOut();
            }

            throw;
        }

        if (abandoned)
        {
            _core.Counters.TimedOut();
            ServerNotAnswering(_logger, "Opening a connection", HungServerGrace.TotalMilliseconds);
            throw new AdmissionRejectedException(priority, RejectionReason.Expired, _core.EstimatedQueueDelay(priority));
        }

        _metrics?.RecordWait(_clock.GetElapsedTime(started), priority);
        return new DatabaseLease(connection, this, deadlineSource.Token, deadline)
        {
            Permit = permit.StartingAt(_clock.GetTimestamp()),
            DeadlineSource = deadlineSource,
            CallerLink = callerLink,
            CallerToken = cancellationToken,
            LeakTicket = _leaks.Track(GateOperation.Current),
        };
    }

    async ValueTask ILeaseOwner.ReleaseAsync(DatabaseLease lease)
    {
        _leaks.Release(lease.LeakTicket);
        var outcome = lease.Outcome ?? (lease.DeadlineSource!.IsCancellationRequested
            ? lease.CallerToken.IsCancellationRequested ? LeaseOutcome.Abandoned : LeaseOutcome.Dropped
            : LeaseOutcome.Completed);
        try
        {
            await lease.Connection.DisposeAsync();
        }
        finally
        {
            await lease.CallerLink.DisposeAsync();
            lease.DeadlineSource!.Dispose();
            _metrics?.RecordUse(_clock.GetElapsedTime(lease.Permit.StartedAt));
            _core.Exit(lease.Permit, outcome);
        }
    }

    private LeaseOutcome OutcomeOf(Exception failure, DatabaseLease lease)
    {
        if (failure is OperationCanceledException)
        {
            if (lease.CallerToken.IsCancellationRequested)
            {
                return LeaseOutcome.Abandoned;
            }

            // The deadline cancelled the statement: the database was too slow for the time we had.
            _core.Counters.TimedOut();
            return LeaseOutcome.Dropped;
        }

        // Other failures (a constraint violated, a bug) still measured how long the database took.
        return TransientFailures.IsTransient(failure) ? LeaseOutcome.Dropped : LeaseOutcome.Completed;
    }

    private DateTimeOffset DeadlineFor(Priority priority) =>
        RequestDeadline.Current ?? _clock.GetUtcNow() + _core.Settings.Deadlines.For(priority);

    private static string Operation => GateOperation.Current ?? "unnamed operation";

    public TimeSpan EstimatedQueueDelay(Priority priority) => _core.EstimatedQueueDelay(priority);

    public TimeSpan EstimatedDrainTime(Priority priority, TimeSpan target) => _core.EstimatedDrainTime(priority, target);

    public bool AbsorbingBurst(Priority priority, TimeSpan target, TimeSpan interval) => _core.AbsorbingBurst(priority, target, interval);

    public void RecordRejection(Priority priority, RejectionReason reason) => ((IGatePressure)_core).RecordRejection(priority, reason);

    public void Apply(GateSettings settings) => _core.Apply(settings);

    public void SetShare(int connections)
    {
        var before = _core.ServerCeiling;
        _core.SetServerCeiling(Math.Min(connections, _maxPoolSize));
        if (_core.ServerCeiling < before)
        {
            _dataSource.Clear();
        }
    }

    public async Task<int> RefreshCeilingAsync(CancellationToken cancellationToken)
    {
        var budget = await RunAsync(Priority.Critical, cancellationToken, CeilingDiscovery.ReadAsync);
        if (_options.Instances is not { } instances)
        {
            // The share comes from the instances' registry; the server's answer only sizes the budget it divides.
            return _core.ServerCeiling;
        }

        var ceiling = Math.Max(1, (_options.ConnectionBudget ?? budget.CeilingFor(_options.ReservedConnections, 1)) / instances);
        if (ceiling > _maxPoolSize)
        {
            CeilingAbovePool(_logger, ceiling, _maxPoolSize);
        }

        _core.SetServerCeiling(Math.Min(ceiling, _maxPoolSize));
        return _core.ServerCeiling;
    }

    public GateStatistics GetStatistics()
    {
        var counters = _core.Counters;
        var inUse = _core.InFlight;
        var delays = counters.QueueDelay.Percentiles(0.5, 0.99);
        var idle = _npgsqlPool?.Read() is { } npgsql ? npgsql.Idle : Math.Max(0, _core.Ceiling - inUse);
        return new GateStatistics
        {
            Mode = GuardMode.On,
            PoolName = _options.PoolName,
            Algorithm = _core.AlgorithmName,
            Limit = _core.Limit,
            Floor = _core.Floor,
            Ceiling = _core.Ceiling,
            InUse = inUse,
            Idle = idle,
            Waiting = PriorityCounts.From(p => _core.WaitingAt(p)),
            QueueDelayP50 = delays[0],
            QueueDelayP99 = delays[1],
            Admitted = PriorityCounts.From(counters.AdmittedCount),
            Rejected = RejectionsOf(counters),
            Timeouts = counters.Timeouts,
            Retries = counters.Retries,
            LeaksSuspected = counters.Leaks,
        };
    }

    internal static IReadOnlyList<RejectionCount> RejectionsOf(GateCounters counters) =>
    [
        .. from priority in Enum.GetValues<Priority>()
           from reason in RejectionReasons.All
           let count = counters.RejectedCount(priority, reason)
           where count > 0
           select new RejectionCount(priority, reason, count),
    ];

    public void Dispose()
    {
        _leaks.Dispose();
        _npgsqlPool?.Dispose();
    }

    [LoggerMessage(EventId = 4114, Level = LogLevel.Warning,
        Message = "{Operation} did not let go of its connection {GraceMs:0} ms after its deadline: the database is not answering (or this process got no CPU to read its answer); the caller was answered, the work is left to finish")]
    private static partial void ServerNotAnswering(ILogger logger, string operation, double graceMs);

    [LoggerMessage(EventId = 4113, Level = LogLevel.Warning,
        Message = "A database connection was lost ({Failure}); idle pooled connections are discarded")]
    private static partial void PoolCleared(ILogger logger, string failure);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information,
        Message = "Retrying {Operation} after a transient failure (attempt {Attempt}, backoff {DelayMs:0} ms): {Failure}")]
    private static partial void Retrying(ILogger logger, string operation, int attempt, double delayMs, string failure);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning,
        Message = "Not retrying {Operation}: the retry budget is spent (retries are capped to protect a failing database). {Failure}")]
    private static partial void RetryBudgetExhausted(ILogger logger, string operation, string failure);

    [LoggerMessage(EventId = 4120, Level = LogLevel.Warning,
        Message = "The server would allow {Ceiling} connections but the pool was built with {MaxPoolSize}; restart to use more.")]
    private static partial void CeilingAbovePool(ILogger logger, int ceiling, int maxPoolSize);
}

/// <summary>Fixed options of a <see cref="DatabaseGate"/> (the runtime ones are in <see cref="GateSettings"/>).</summary>
public sealed record DatabaseGateOptions
{
    /// <summary><c>db.client.connection.pool.name</c> of the gate's metrics. Default "bulwark".</summary>
    public string PoolName { get; init; } = "bulwark";

    /// <summary>The data source's Npgsql name, to read its idle connections; null to estimate them.</summary>
    public string? NpgsqlPoolName { get; init; }

    /// <summary>The server ceiling when known at construction; null uses the pool's Max Pool Size.</summary>
    public int? ServerCeiling { get; init; }

    /// <summary>A lease held longer than this is reported as a suspected leak. Default 5 s.</summary>
    public TimeSpan LeakThreshold { get; init; } = TimeSpan.FromSeconds(5);

    public RetryOptions Retry { get; init; } = new();

    /// <summary>Connections kept free for others (migrations, psql, monitoring). Default 3.</summary>
    public int ReservedConnections { get; init; } = 3;

    /// <summary>Instances sharing the server's connections; null when they share it through the registry (see <c>SharedConnectionBudget</c>).</summary>
    public int? Instances { get; init; } = 1;

    /// <summary>The connections all instances share, when not the server's max_connections less the reserves (e.g. PgBouncer's pool).</summary>
    public int? ConnectionBudget { get; init; }
}
