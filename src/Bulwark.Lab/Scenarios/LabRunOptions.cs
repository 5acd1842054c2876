using Bulwark.Lab.Cli;
using Bulwark.Lab.Load;
using Bulwark.Lab.Orchestration;

namespace Bulwark.Lab.Scenarios;

/// <summary>What the command line decided for a run, validated before anything starts.</summary>
public sealed record LabRunOptions
{
    /// <summary>An already running shop to load; null means the lab starts PostgreSQL and the shop itself, per mode.</summary>
    public Uri? Target { get; init; }

    public required string OutputRoot { get; init; }
    public int Seed { get; init; } = 1;
    public double RateScale { get; init; } = 1.0;

    /// <summary>
    /// A minute-long run against rules written for minutes (<c>for: 1m</c>–<c>5m</c>, <c>[5m]</c> windows):
    /// dividing their times by 10 makes a 1 min hold 6 s and a 5 min window 30 s, so each rule can fire
    /// within the run and still needs its condition to last a tenth of what production asks.
    /// </summary>
    public const double DefaultAlertTimeScale = 10;

    /// <summary>Alert rule times are divided by this for incident replays (1: the rules as deployed).</summary>
    public double AlertTimeScale { get; init; } = DefaultAlertTimeScale;

    /// <summary>Stretch or shrink each scenario to this length; null keeps its own.</summary>
    public TimeSpan? Duration { get; init; }

    public LoadLimits Limits { get; init; } = new();

    /// <summary>Modes to run when the lab starts the shop itself, in order.</summary>
    public IReadOnlyList<string> Modes { get; init; } = [ScenarioRunner.Naive, ScenarioRunner.Guarded];

    /// <summary>With <see cref="Target"/>: PostgreSQL to hog connections on (incident 3).</summary>
    public string? DatabaseConnectionString { get; init; }

    /// <summary>With <see cref="Target"/>: the payment sandbox the shop uses, to inject faults (incident 5).</summary>
    public Uri? Sandbox { get; init; }

    /// <summary>The admin account the lab's shops are started with (with <see cref="Target"/>: the shop's own, for the dashboard checks).</summary>
    public string? AdminEmail { get; init; }

    public string? AdminPassword { get; init; }

    /// <summary>
    /// The CPUs of the system under test and of the load generator when the lab starts the shop; null:
    /// everything shares every CPU (--no-isolation, a single CPU, or the tests' in-process runs).
    /// </summary>
    public CpuSplit? Isolation { get; init; }

    /// <summary>
    /// Run each mode on the cluster (<c>--cluster</c>): this many shop instances behind nginx, PgBouncer, a primary
    /// and a streaming standby, brought up for the mode and taken down after it; null runs one shop.
    /// </summary>
    public int? ClusterInstances { get; init; }

    /// <summary>How quiet the machine must be before each measured run (none: start at once).</summary>
    public QuietPolicy Quiet { get; init; } = QuietPolicy.None;
}
