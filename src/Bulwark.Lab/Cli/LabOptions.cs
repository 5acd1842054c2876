using System.CommandLine;
using System.CommandLine.Parsing;
using Bulwark.Lab.Load;
using Bulwark.Lab.Orchestration;
using Bulwark.Lab.Scenarios;

namespace Bulwark.Lab.Cli;

/// <summary>The options every lab command shares, declared once and read into <see cref="LabRunOptions"/>.</summary>
public sealed class LabOptions
{
    public static readonly TimeSpan LongestRun = TimeSpan.FromMinutes(15);

    public Option<string?> Target { get; } = new("--target")
    {
        Description = "Base URL of a running shop to load. Default: the lab starts PostgreSQL and the shop itself, once per mode.",
        Recursive = true,
    };

    public Option<bool> AllowRemote { get; } = new("--allow-remote")
    {
        Description = "Allow a --target that is not on this machine (the lab overloads its target on purpose).",
        Recursive = true,
    };

    public Option<TimeSpan?> Duration { get; } = new("--duration")
    {
        Description = "Stretch or shrink each scenario to this length (e.g. 30s, 2m). Default: the scenario's own (about 60 s).",
        Recursive = true,
        CustomParser = DurationWithin("--duration", TimeSpan.FromSeconds(1), LongestRun, "every run is bounded"),
    };

    public Option<string?> Out { get; } = new("--out")
    {
        Description = "Folder for results; each scenario writes <out>/<name>/summary.json, summary.md, report.html. Default: lab-results in the repository.",
        Recursive = true,
    };

    public Option<int> Seed { get; } = new("--seed")
    {
        Description = "Seed of the arrival times and request choices: same seed, same traffic.",
        Recursive = true,
        DefaultValueFactory = _ => 1,
    };

    public Option<double> RateScale { get; } = new("--rate-scale")
    {
        Description = "Multiply every scenario rate (for a machine bigger or smaller than the 2-core reference).",
        Recursive = true,
        DefaultValueFactory = _ => 1.0,
    };

    public Option<double> AlertTimeScale { get; } = new("--alert-time-scale")
    {
        Description = "Divide the alert rules' times (every for: and rate window of deploy/prometheus/alerts.yml) by this for incident replays, " +
                      "so that rules written for minutes can fire within a minute-long run; 1 runs the rules as deployed.",
        Recursive = true,
        DefaultValueFactory = _ => LabRunOptions.DefaultAlertTimeScale,
    };

    public Option<long> MaxRequests { get; } = new("--max-requests")
    {
        Description = "Hard cap on requests sent per run.",
        Recursive = true,
        DefaultValueFactory = _ => 1_000_000,
    };

    public Option<int> MaxInFlight { get; } = new("--max-in-flight")
    {
        Description = "Requests in flight at once; arrivals beyond are counted as dropped by the generator.",
        Recursive = true,
        DefaultValueFactory = _ => 2_000,
    };

    public Option<TimeSpan?> Timeout { get; } = new("--timeout")
    {
        Description = "Per-request timeout (default 20s, longer than the naive pool's 15 s wait so its slowness is measured, not cut).",
        Recursive = true,
        CustomParser = DurationWithin("--timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(2), "a request must end"),
    };

    public Option<string[]> Modes { get; } = new("--modes")
    {
        Description = "Modes to run when the lab starts the shop: naive, guarded (default both, in that order).",
        Recursive = true,
        AllowMultipleArgumentsPerToken = true,
        DefaultValueFactory = _ => [ScenarioRunner.Naive, ScenarioRunner.Guarded],
    };

    public Option<string?> Database { get; } = new("--database")
    {
        Description = "With --target: connection string of the shop's PostgreSQL, for incident 3's idle connections.",
        Recursive = true,
    };

    public Option<string?> Sandbox { get; } = new("--sandbox")
    {
        Description = "With --target: base URL of the payment sandbox the shop uses, for incident 5's slow gateway.",
        Recursive = true,
    };

    public Option<string?> AdminEmail { get; } = new("--admin-email") { Description = "The admin account the shop is started with (with --target: the shop's own).", Recursive = true };

    public Option<string?> AdminPassword { get; } = new("--admin-password") { Description = "With --target: that admin's password.", Recursive = true };

    public Option<double> QuietLoad { get; } = new("--quiet-load")
    {
        Description = "Before each measured run, wait until the 1-minute load average is below this and no other test host runs (0: do not wait). Smoke never waits.",
        Recursive = true,
        DefaultValueFactory = _ => QuietPolicy.Default.MaxLoad,
    };

    public Option<TimeSpan?> QuietWait { get; } = new("--quiet-wait")
    {
        Description = "Longest wait for a quiet machine before measuring anyway (default 20m; the report records the load at start).",
        Recursive = true,
        CustomParser = DurationWithin("--quiet-wait", TimeSpan.FromSeconds(1), TimeSpan.FromHours(2), "waiting is bounded too"),
    };

    public Option<string?> CpusSut { get; } = new("--cpus-sut")
    {
        Description = "CPUs for the shop, its PostgreSQL and the payment sandbox, in taskset's list syntax (0, 0-1, 0,2). Default: the first half of the CPUs.",
        Recursive = true,
    };

    public Option<string?> CpusLoad { get; } = new("--cpus-load")
    {
        Description = "CPUs for the lab's load generator, pgbench and wrk. Default: the CPUs --cpus-sut does not take.",
        Recursive = true,
    };

    public Option<bool> NoIsolation { get; } = new("--no-isolation")
    {
        Description = "Let the system under test and the load generator share every CPU (isolation is on by default from 2 CPUs).",
        Recursive = true,
    };

    public IEnumerable<Option> All => [Target, AllowRemote, Duration, Out, Seed, RateScale, AlertTimeScale, MaxRequests, MaxInFlight, Timeout, Modes, Database, Sandbox, AdminEmail, AdminPassword, QuietLoad, QuietWait,
        CpusSut, CpusLoad, NoIsolation];

    public LabOptions()
    {
        Modes.AcceptOnlyFromAmong(ScenarioRunner.Naive, ScenarioRunner.Guarded);
        RateScale.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is <= 0 or > 100) r.AddError("--rate-scale must be above 0 and at most 100.");
        });
        AlertTimeScale.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is < 1 or > 60) r.AddError("--alert-time-scale must be between 1 (the rules as deployed) and 60.");
        });
        MaxRequests.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<long>() is < 1 or > 50_000_000) r.AddError("--max-requests must be between 1 and 50,000,000.");
        });
        MaxInFlight.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 20_000) r.AddError("--max-in-flight must be between 1 and 20,000.");
        });
        QuietLoad.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is < 0 or > 64) r.AddError("--quiet-load must be between 0 (do not wait) and 64.");
        });
    }

    /// <summary>Reads and cross-checks the options; a problem comes back as a message for the user, not an exception.</summary>
    public bool TryRead(ParseResult parse, string defaultOutputRoot, out LabRunOptions options, out string? problem)
    {
        options = null!;
        if (!TargetPolicy.TryAccept(parse.GetValue(Target), parse.GetValue(AllowRemote), out var target, out problem)) return false;

        Uri? sandbox = null;
        if (parse.GetValue(Sandbox) is { } sandboxText && !TargetPolicy.TryAccept(sandboxText, parse.GetValue(AllowRemote), out sandbox, out problem))
        {
            problem = problem?.Replace("--target", "--sandbox");
            return false;
        }
        if (target is null && (parse.GetValue(Database) is not null || sandbox is not null || parse.GetValue(AdminEmail) is not null))
        {
            problem = "--database, --sandbox and --admin-* only apply with --target: without it the lab starts and owns all of these.";
            return false;
        }

        if (!CpuSplit.TryChoose(parse.GetValue(CpusSut), parse.GetValue(CpusLoad), parse.GetValue(NoIsolation), CpuAffinity.Available(), out var split, out problem))
            return false;

        options = new LabRunOptions
        {
            Target = target,
            OutputRoot = Path.GetFullPath(parse.GetValue(Out) ?? defaultOutputRoot),
            Seed = parse.GetValue(Seed),
            RateScale = parse.GetValue(RateScale),
            AlertTimeScale = parse.GetValue(AlertTimeScale),
            Duration = parse.GetValue(Duration),
            Limits = new LoadLimits
            {
                MaxRequests = parse.GetValue(MaxRequests),
                MaxInFlight = parse.GetValue(MaxInFlight),
                RequestTimeout = parse.GetValue(Timeout) ?? new LoadLimits().RequestTimeout,
                MaxDuration = LongestRun,
            },
            Modes = [.. (parse.GetValue(Modes) ?? []).Distinct()],
            DatabaseConnectionString = parse.GetValue(Database),
            Sandbox = sandbox,
            AdminEmail = parse.GetValue(AdminEmail),
            AdminPassword = parse.GetValue(AdminPassword),
            Quiet = new QuietPolicy(parse.GetValue(QuietLoad), parse.GetValue(QuietWait) ?? QuietPolicy.Default.MaxWait),
            // Against --target the lab does not own the shop's processes: it can only keep itself apart.
            Isolation = split,
        };
        return true;
    }

    /// <summary>Parses a duration and checks its range in one place (a validator cannot read a value its parser refused).</summary>
    internal static Func<ArgumentResult, TimeSpan?> DurationWithin(string name, TimeSpan min, TimeSpan max, string why) => result =>
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (!DurationText.TryParse(text, out var duration))
        {
            result.AddError($"{name}: '{text}' is not a duration; write e.g. 45s, 2m, 1m30s or 00:01:30.");
            return null;
        }
        if (duration < min || duration > max)
        {
            result.AddError($"{name} must be between {min.TotalSeconds:0.#} s and {max.TotalMinutes:0.#} min: {why}.");
            return null;
        }
        return duration;
    };
}
