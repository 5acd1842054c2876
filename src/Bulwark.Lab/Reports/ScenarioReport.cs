namespace Bulwark.Lab.Reports;

/// <summary>
/// What <c>summary.json</c> holds: <c>{"scenario": {...}, "modes": {"naive": {...}, "guarded": {...}}}</c>.
/// Modes are keyed by name so a run against an existing shop (<c>--target</c>) can report one mode.
/// </summary>
public sealed record ScenarioReport(ScenarioInfo Scenario, IReadOnlyDictionary<string, ModeReport> Modes);

public sealed record ScenarioInfo(
    string Name,
    string Title,
    string Trigger,
    string Description,
    double DurationSeconds,
    int Seed,
    double SloMs,
    double DeadlineMs,
    DateTimeOffset StartedAt,
    MachineInfo Machine,
    IReadOnlyList<PhaseInfo> Phases);

public sealed record PhaseInfo(string Stream, string Name, double StartSeconds, double DurationSeconds, double StartRps, double EndRps);

public sealed record MachineInfo(string Os, int Cores, string Runtime, string LabVersion)
{
    /// <summary>The CPU model, as /proc/cpuinfo names it.</summary>
    public string? Cpu { get; init; }

    public double? MemoryGiB { get; init; }

    /// <summary>The repository's commit the run measured (with "+changes" when the working tree differed).</summary>
    public string? Commit { get; init; }

    /// <summary>Versions of the other programs in the measurement: PostgreSQL, pgbench, wrk.</summary>
    public IReadOnlyDictionary<string, string>? Tools { get; init; }

    public static MachineInfo Current() => new(
        System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        Environment.ProcessorCount,
        System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        typeof(MachineInfo).Assembly.GetName().Version?.ToString() ?? "unknown")
    {
        Cpu = MachineFacts.CpuModel(),
        MemoryGiB = MachineFacts.MemoryGiB(),
        Commit = MachineFacts.Commit(),
        Tools = MachineFacts.ToolVersions(),
    };
}

/// <summary>One configuration's run of a scenario. The first fields are the ones every report compares.</summary>
public sealed record ModeReport
{
    public required string Mode { get; init; }
    public required double GoodputRps { get; init; }
    public required double CheckoutGoodputRps { get; init; }

    /// <summary>p99 of successful (2xx) answers, all classes, from the intended send time.</summary>
    public required double P99Ms { get; init; }

    /// <summary>p99 of every answer including errors, 503s and timeouts (at the timeout).</summary>
    public required double P99AllMs { get; init; }

    public required long Errors { get; init; }
    public required long Shed { get; init; }
    public required long Limited { get; init; }
    public required long Timeouts { get; init; }
    public required long SlowerThanDeadline { get; init; }
    public required long DroppedByGenerator { get; init; }
    public required long Offered { get; init; }
    public required long Completed { get; init; }

    /// <summary>Orders in status <c>paid</c> by the shop's own order lists (or, if those were unreadable, as confirmed at checkout).</summary>
    public required long OrdersPaid { get; init; }

    /// <summary>Units sold beyond the stock a product had before the run, summed over products. Must be 0.</summary>
    public required long Oversold { get; init; }

    public required IReadOnlyDictionary<string, long> OrdersByStatus { get; init; }
    public required IReadOnlyDictionary<string, ClassReport> Classes { get; init; }
    public required TimeSeries Series { get; init; }
    /// <summary>Every rule of alerts.yml and what a real Prometheus did with it during the run; empty when alerts were not replayed.</summary>
    public required IReadOnlyList<AlertFiring> Alerts { get; init; }

    /// <summary>How the alerts were observed (programs, time scale, the trigger's time); null when they were not.</summary>
    public AlertingSetup? Alerting { get; init; }
    public required IReadOnlyList<EventRecord> Events { get; init; }
    public required GeneratorReport Generator { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The machine's 1-minute load average when the mode's load started (others share this machine).</summary>
    public double? LoadAverageAtStart { get; init; }

    /// <summary>Set when the mode could not run to the end (the shop never became ready, crashed…): the numbers cover what ran.</summary>
    public string? Failure { get; init; }

    /// <summary>The cluster's side of a run through nginx (<c>--cluster</c>); null for a single shop.</summary>
    public ClusterRunReport? Cluster { get; init; }
}

public sealed record ClassReport(
    long Offered,
    long Completed,
    long Goodput,
    double GoodputRps,
    long Shed,
    long Limited,
    long SoldOut,
    long Declined,
    long Errors,
    long Timeouts,
    long Dropped,
    long SlowerThanDeadline,
    LatencyReport Latency,
    LatencyReport SuccessLatency);

public sealed record LatencyReport(long Count, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs, double MeanMs);

/// <summary>Per-second series for the charts; pool fields are null where the shop did not export the series or a scrape failed.</summary>
public sealed record TimeSeries(
    IReadOnlyList<int> Second,
    IReadOnlyList<double> OfferedRps,
    IReadOnlyList<double> ThroughputRps,
    IReadOnlyList<double> GoodputRps,
    IReadOnlyList<double> CheckoutGoodputRps,
    IReadOnlyList<double> P99Ms,
    IReadOnlyList<double> ShedRps,
    IReadOnlyList<double> LimitedRps,
    IReadOnlyList<double> ErrorRps,
    IReadOnlyList<double> TimeoutRps,
    IReadOnlyList<double> DroppedRps,
    IReadOnlyList<double?> PoolUsed,
    IReadOnlyList<double?> PoolMax,
    IReadOnlyList<double?> PoolPending,
    IReadOnlyList<double?> DbLimit,
    IReadOnlyList<double?> AdmissionRejectedRps,
    IReadOnlyList<double?> AcquireTimeoutRps,
    IReadOnlyList<double?> CriticalRejectedRps,
    IReadOnlyList<double> CheckoutAnsweredRps,
    IReadOnlyList<double> CheckoutFailedRps,
    IReadOnlyList<double> CheckoutP99Ms,
    IReadOnlyList<double>? CheckoutOfferedRps = null);

/// <summary>
/// One alert rule as Prometheus evaluated it during the run. Times are seconds from the start of the
/// load; <see cref="FiredAtSeconds"/> (Prometheus' firing time, as Alertmanager's <c>startsAt</c>) is
/// null if it never fired; <see cref="SecondsFiring"/> counts the seconds its <c>ALERTS</c> series said firing.
/// </summary>
public sealed record AlertFiring(string Name, string Condition, double? FiredAtSeconds, double SecondsFiring)
{
    public string? Severity { get; init; }

    /// <summary>When the lab's webhook received Alertmanager's first notification of it firing.</summary>
    public double? NotifiedAtSeconds { get; init; }

    /// <summary>The condition held when the load ended, but not yet for the rule's <c>for:</c>.</summary>
    public bool PendingAtEnd { get; init; }
}

/// <summary>How a mode's alerts were observed: which programs, the rules' time scale, and when the incident's trigger came.</summary>
/// <param name="Source">"Prometheus 2.42.0, Alertmanager 0.25.0, scrape and evaluation every 1 s".</param>
/// <param name="TimeScale">Rule times (<c>for:</c>, rate windows) were divided by this; 1 means the rules as deployed.</param>
/// <param name="Scaling">The scaling in words, for the report.</param>
/// <param name="TriggerAtSeconds">When the incident's trigger came, seconds into the load (the spike, the bad deploy).</param>
/// <param name="Problem">Set when Prometheus or Alertmanager could not run or be read; the alerts are then missing, not "never".</param>
public sealed record AlertingSetup(string Source, double TimeScale, string Scaling, double? TriggerAtSeconds, string? Problem = null);

/// <summary>Something the scenario did during the run (deploy a config, slow the gateway) and what came of it.</summary>
public sealed record EventRecord(double AtSeconds, string Description, string Outcome);

public sealed record GeneratorReport(long Sent, int PeakInFlight, double WorstDispatchLagMs, int UnansweredAtEnd, string End, int ScrapeFailures);
