using Bulwark.Guard.Gate;
using Bulwark.Guard.Retries;

namespace Bulwark.Guard.DependencyInjection;

/// <summary>
/// Configuration section <c>Guard</c>. The first group is fixed for the life of the process (it shapes
/// the connection pool); the second is the initial <see cref="GateSettings"/>, which
/// <see cref="IGateControl.Apply"/> can change at runtime.
/// </summary>
public sealed class GuardOptions
{
    public const string Section = "Guard";

    /// <summary><c>On</c> (default) or <c>Off</c> (Npgsql defaults, no gate, no shedding: the incident platforms).</summary>
    public GuardMode Mode { get; set; } = GuardMode.On;

    /// <summary>Pool name in metrics (<c>db.client.connection.pool.name</c>) and the connections' application_name. Default "bulwark".</summary>
    public string PoolName { get; set; } = "bulwark";

    /// <summary>
    /// Instances of the service sharing the connection budget, when fixed by hand (default 1). With
    /// <see cref="ShareBudget"/> and no number here, the live instances divide it among themselves.
    /// </summary>
    public int? Instances { get; set; }

    /// <summary>
    /// The instances announce themselves in the database and each takes its share of the live count
    /// (<c>SharedConnectionBudget</c>). Off by default for now: with it on, a hung PostgreSQL made a few answers
    /// arrive ~2 s past their deadline in the fault test (under investigation).
    /// </summary>
    public bool ShareBudget { get; set; }

    /// <summary>The fixed count of instances, or null when the live instances share the budget.</summary>
    public int? FixedInstances => ShareBudget ? Instances : Instances ?? 1;

    /// <summary>
    /// The connections all instances share. Default null: the server's max_connections less its reserved
    /// connections and <see cref="ReservedConnections"/>. Set it behind PgBouncer (its pool size for this
    /// database and user) or when other applications use the same server.
    /// </summary>
    public int? ConnectionBudget { get; set; }

    /// <summary>How often an instance renews its place and share in the shared budget. Default 2 s.</summary>
    public TimeSpan InstanceHeartbeat { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>An instance not heard from for this long is gone and its share returns to the others. Default 10 s.</summary>
    public TimeSpan InstanceExpiry { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Connections left for others (migrations, psql, monitoring) besides superuser_reserved_connections. Default 3.</summary>
    public int ReservedConnections { get; set; } = 3;

    /// <summary>Pool size when the server cannot be asked at start (it keeps being asked; the ceiling can then only go down). Default 10.</summary>
    public int FallbackCeiling { get; set; } = 10;

    /// <summary>How long start-up keeps trying to read max_connections before using the fallback. Default 10 s.</summary>
    public TimeSpan StartupProbeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Connections Npgsql keeps open even when idle, so a burst does not start with handshakes. Default 2.</summary>
    public int MinPoolSize { get; set; } = 2;

    /// <summary>Idle connections beyond the minimum are closed after this (Npgsql's default is 300 s). Default 60 s.</summary>
    public TimeSpan ConnectionIdleLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Connections are replaced after this age, so none goes stale (server restarts, failovers, memory growth). Default 30 min.</summary>
    public TimeSpan ConnectionLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Npgsql's Timeout: establishing a connection (the gate does the waiting). Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Server-side statement_timeout sent at connection start, a backstop for statements whose client
    /// died; the deadline (via cancellation) is the real limit. Zero disables it. Default 30 s.
    /// </summary>
    public TimeSpan StatementTimeoutBackstop { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A lease held longer is reported as a suspected leak. Default 5 s.</summary>
    public TimeSpan LeakThreshold { get; set; } = TimeSpan.FromSeconds(5);

    public RetryOptions Retry { get; set; } = new();

    // Initial runtime settings (see GateSettings for each default's reason).

    public int Floor { get; set; } = 2;

    public int? Ceiling { get; set; }

    public int InitialLimit { get; set; } = 8;

    public string Algorithm { get; set; } = Limits.LimitAlgorithms.Vegas;

    public double ReservedCriticalShare { get; set; } = 0.2;

    public QueueOrder QueueOrder { get; set; } = QueueOrder.Fifo;

    public int MaxWaiters { get; set; } = 1000;

    public PriorityDurations Deadlines { get; set; } = new GateSettings().Deadlines;

    public PriorityDurations QueueDelayTargets { get; set; } = new GateSettings().QueueDelayTargets;

    /// <summary>See <see cref="GateSettings.ProcessingDelayTargets"/>.</summary>
    public PriorityDurations ProcessingDelayTargets { get; set; } = new GateSettings().ProcessingDelayTargets;

    /// <summary>See <see cref="GateSettings.ShedAfter"/>.</summary>
    public TimeSpan ShedAfter { get; set; } = new GateSettings().ShedAfter;

    public ClientRateLimitSettings RateLimit { get; set; } = new();

    public LoginThrottleSettings LoginThrottle { get; set; } = new();

    public GateSettings ToSettings() => new()
    {
        Floor = Floor,
        Ceiling = Ceiling,
        InitialLimit = InitialLimit,
        Algorithm = Algorithm,
        ReservedCriticalShare = ReservedCriticalShare,
        QueueOrder = QueueOrder,
        MaxWaiters = MaxWaiters,
        Deadlines = Deadlines,
        QueueDelayTargets = QueueDelayTargets,
        ProcessingDelayTargets = ProcessingDelayTargets,
        ShedAfter = ShedAfter,
        RateLimit = RateLimit,
        LoginThrottle = LoginThrottle,
    };

    /// <summary>The connections all instances share, once the server has answered (or as configured).</summary>
    public int? SharedBudget(ServerConnectionBudget? server) => ConnectionBudget ?? server?.CeilingFor(ReservedConnections, 1);

    /// <summary>
    /// The pool one instance is built with: its fixed part of the budget, or with a shared budget all of it
    /// (an instance alone may use everything; the gate holds it to its share).
    /// </summary>
    public int? PoolSizeFor(ServerConnectionBudget? server) =>
        SharedBudget(server) is { } total ? Math.Max(1, total / (FixedInstances ?? 1)) : null;

    /// <summary>Every problem with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>(ToSettings().Validate());
        if (string.IsNullOrWhiteSpace(PoolName))
        {
            errors.Add("poolName must not be empty.");
        }

        if (Instances < 1)
        {
            errors.Add($"instances must be at least 1 when set (was {Instances}); leave it unset to count the live instances.");
        }

        if (ConnectionBudget < 1)
        {
            errors.Add($"connectionBudget must be at least 1 when set (was {ConnectionBudget}).");
        }

        if (InstanceHeartbeat <= TimeSpan.Zero || InstanceExpiry < InstanceHeartbeat * 3)
        {
            errors.Add($"instanceHeartbeat must be positive and instanceExpiry at least three heartbeats (were {InstanceHeartbeat} and {InstanceExpiry}), " +
                "or a live instance that misses one heartbeat loses its share.");
        }

        if (ReservedConnections < 0)
        {
            errors.Add($"reservedConnections must not be negative (was {ReservedConnections}).");
        }

        if (FallbackCeiling < Floor)
        {
            errors.Add($"fallbackCeiling ({FallbackCeiling}) must not be below the floor ({Floor}).");
        }

        if (MinPoolSize < 0 || StartupProbeTimeout < TimeSpan.Zero || ConnectionIdleLifetime < TimeSpan.Zero
            || ConnectionLifetime < TimeSpan.Zero || ConnectTimeout <= TimeSpan.Zero || StatementTimeoutBackstop < TimeSpan.Zero)
        {
            errors.Add("pool sizes and durations must not be negative, and connectTimeout must be positive.");
        }

        if (LeakThreshold <= TimeSpan.Zero)
        {
            errors.Add("leakThreshold must be positive.");
        }

        errors.AddRange(Retry?.Validate() ?? ["retry is required."]);
        return errors;
    }
}
