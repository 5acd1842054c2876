using System.Globalization;
using Bulwark.Lab.Chaos;
using Bulwark.Lab.Load;
using Bulwark.Lab.Measurement;
using Bulwark.Lab.Metrics;
using Bulwark.Lab.Orchestration;
using Bulwark.Lab.Reports;
using Bulwark.Lab.Shop;
using Bulwark.LocalPostgres;
using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Cluster;

/// <summary>
/// One mode of an incident replayed on the cluster (<c>lab incident N --cluster</c>): the topology of
/// <c>lab cluster up</c> in a directory of the run's own, brought up before the load and taken down after it,
/// naive or guarded. While the load runs it scrapes every instance's <c>/metrics</c> straight (not through
/// nginx, which would pick one at random), samples the primary's connections every 500 ms, tallies every
/// answer by origin, and in the guarded run injects the two faults: one instance SIGKILLed, then the standby
/// stopped.
/// </summary>
public sealed class ClusterUnderTest : IAsyncDisposable
{
    /// <summary>When the faults come, as shares of the load's length: after the surge has built, apart enough to tell their effects apart.</summary>
    public const double KillAt = 0.4;
    public const double StandbyStopAt = 0.7;

    /// <summary>A dead instance's share returns within Guard:InstanceExpiry (10 s); the sampler and the heartbeat add up to a second or two.</summary>
    public static readonly TimeSpan ReshareBound = TimeSpan.FromSeconds(12);

    /// <summary>The reconciler short, as in <c>lab chaos</c>, so the ledger can be checked seconds after the run, not minutes.</summary>
    public static readonly IReadOnlyDictionary<string, string> ShopSettings = new Dictionary<string, string>
    {
        ["Payments:ReconcileInterval"] = "00:00:01",
        ["Payments:ReconcileAfter"] = "00:00:05",
        ["Payments:AbandonAfter"] = "00:00:10",
        // The lab's clients give up on a refusal rather than queue (as ShopHost starts the single shop).
        ["WaitingRoom:GeneralRoom"] = "false",
    };

    static readonly TimeSpan SettleBound = TimeSpan.FromSeconds(5 + 10 + 2 + 10);

    readonly ClusterLauncher _launcher;
    readonly ClusterFiles _files;
    readonly TimeProvider _time;
    readonly ILogger _logger;
    readonly ClusterObservation _observation;
    readonly string _site;
    readonly List<ClusterFaultOutcome> _faults = [];
    double? _killedAt;
    int? _killedIndex;
    double? _standbyStoppedAt;
    IReadOnlyDictionary<long, long>? _initialStock;

    ClusterUnderTest(ClusterLauncher launcher, ClusterFiles files, ClusterManifest manifest, bool naive, string site, TimeProvider time, ILogger logger)
    {
        _launcher = launcher;
        _files = files;
        _time = time;
        _logger = logger;
        Manifest = manifest;
        Naive = naive;
        _site = site;
        _observation = new ClusterObservation(manifest, time);
    }

    public ClusterManifest Manifest { get; }
    public bool Naive { get; }
    public Uri Nginx => new(Manifest.Nginx!);
    public Uri Sandbox => new(Manifest.Sandbox!.Url);
    public string Primary => Manifest.Primary!;
    public AnswerTally Answers => _observation.Answers;

    /// <summary>Instance 1's scraper, for the live display (one instance's pool, said so by the display's title).</summary>
    public MetricsScraper FirstScraper => _observation.FirstScraper;

    /// <summary>A fresh observation of this cluster (the bench takes one per step); the caller runs and disposes it.</summary>
    public ClusterObservation Observe() => new(Manifest, _time);

    /// <summary>How the shops were configured, in words.</summary>
    public string Deploy => Naive
        ? "naive: Guard:Mode=off on every instance (Npgsql's pool of 100 each, straight to the primary; no standby reads, no shared budget)"
        : $"guarded: through PgBouncer (transaction pooling, pool {Manifest.Budget} shared by the live instances), catalog reads on the streaming standby";

    /// <summary>nginx's proxy settings, in words (the deployed file or the stock timeouts).</summary>
    public string Proxy => Naive
        ? "nginx with stock proxy timeouts (60 s; proxy_next_upstream error timeout)"
        : "deploy/nginx/bulwark.conf (read timeout 10 s; proxy_next_upstream error timeout within 2 s, 2 tries)";

    /// <summary>Whether the nginx config as run may retry a POST on another instance (it must not).</summary>
    public bool ProxyRetriesPosts => NginxConfig.RetriesNonIdempotent(_site);

    /// <summary>The shops' processes for the CPU sampler: instance 1, the primary's postmaster, the sandbox.</summary>
    public SutProcesses Processes => new(Manifest.Instances[0].Pid, ProcessTable.PostmasterPid(Path.Combine(Manifest.PrimaryDirectory!, "data")), Manifest.Sandbox?.Pid);

    public static async Task<ClusterUnderTest> UpAsync(RepoLayout repo, string directory, string mode, bool naive, int instances,
        string adminEmail, string adminPassword, CpuSplit? isolation, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        var files = new ClusterFiles(Path.Combine(directory, $"cluster-{mode}"));
        var launcher = new ClusterLauncher(repo, files, logger);
        var manifest = await launcher.UpAsync(new ClusterRequest(instances, adminEmail, adminPassword) { Naive = naive, ShopSettings = ShopSettings }, ct);
        var cluster = new ClusterUnderTest(launcher, files, manifest, naive, await File.ReadAllTextAsync(files.NginxSite, ct), time, logger);
        try
        {
            if (isolation is not null) await cluster.PlaceAsync(isolation.Sut, ct);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The cluster's processes were started from the lab, which already runs on the load side's CPUs: each (its
    /// threads, and PostgreSQL's and nginx's current children; later backends inherit) moves to the SUT's.
    /// </summary>
    async Task PlaceAsync(CpuSet sut, CancellationToken ct)
    {
        var postmasters = Manifest.StandbyDirectories.Append(Manifest.PrimaryDirectory!)
            .Select(d => ProcessTable.PostmasterPid(Path.Combine(d, "data"))).OfType<int>();
        foreach (var pid in Manifest.Pids.Concat(postmasters)) await CpuAffinity.PinTreeAsync(pid, sut, ct);
    }

    /// <summary>Before the load: the stock the ledger check starts from (guarded run only, where faults are injected).</summary>
    public async Task PrepareAsync(CancellationToken ct)
    {
        if (Naive) return;
        using var ledger = new LedgerReader(Primary, SandboxHost.ClientFor(Sandbox));
        _initialStock = await ledger.StockAsync(ct);
    }

    /// <summary>Observes (and in the guarded run, breaks) the cluster until <paramref name="ct"/> fires.</summary>
    public Task RunAsync(long runStart, TimeSpan duration, List<EventRecord> events, CancellationToken ct) =>
        Task.WhenAll(
            [
                _observation.RunAsync(runStart, ct),
                Naive ? Task.CompletedTask : InjectFaultsAsync(runStart, duration, events, ct),
            ]);

    async Task InjectFaultsAsync(long runStart, TimeSpan duration, List<EventRecord> events, CancellationToken ct)
    {
        try
        {
            await DelayUntilAsync(runStart, duration * KillAt, ct);
            // The last instance: the first one feeds the live display.
            var index = Manifest.Instances.Count - 1;
            var victim = Manifest.Instances[index];
            Signals.Send(victim.Pid, 9);
            _killedAt = _time.GetElapsedTime(runStart).TotalSeconds;
            _killedIndex = index;
            lock (events) events.Add(new EventRecord(_killedAt.Value, $"shop {index + 1} of {Manifest.Instances.Count} SIGKILLed ({victim.Url})", "see the cluster's fault checks"));
            _logger.LogInformation("Cluster fault: shop {Number} (pid {Pid}) killed at {At:0.0} s", index + 1, victim.Pid, _killedAt);

            await DelayUntilAsync(runStart, duration * StandbyStopAt, ct);
            var at = _time.GetElapsedTime(runStart).TotalSeconds;
            await LocalPostgresCluster.StopRunningAsync(Manifest.StandbyDirectories[0], _logger, ct);
            // Checked from when the server is gone: until pg_ctl returns (a loaded machine takes seconds to shut down)
            // the standby still answers reads, rightly.
            var down = _time.GetElapsedTime(runStart).TotalSeconds;
            _standbyStoppedAt = down;
            lock (events) events.Add(new EventRecord(at, "the streaming standby stopped (pg_ctl stop -m fast)", string.Create(CultureInfo.InvariantCulture, $"down {down - at:0.0} s later; see the cluster's fault checks")));
            _logger.LogInformation("Cluster fault: standby stopped at {At:0.0} s (down at {Down:0.0} s)", at, down);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The load ended first (a very short --duration): the report shows the faults that came.
        }
    }

    async Task DelayUntilAsync(long runStart, TimeSpan at, CancellationToken ct)
    {
        var wait = at - _time.GetElapsedTime(runStart);
        if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, ct);
    }

    /// <summary>After the load: everything observed, the fault checks, and (guarded) the ledger once the reconciler has settled.</summary>
    public async Task<(ClusterRunReport Report, IReadOnlyList<PoolSample> Pool)> FinishAsync(PurchaseLedger purchases, double loadEndSeconds, TimeSpan deadline, CancellationToken ct)
    {
        var perInstance = _observation.PerInstance(_killedIndex, _killedAt);
        var pool = _observation.Pool();
        var connections = _observation.Connections();
        var answers = Answers.Answers;

        LedgerVerdict? verdict = null;
        if (_initialStock is not null && _killedAt is not null)
        {
            using var ledger = new LedgerReader(Primary, SandboxHost.ClientFor(Sandbox));
            (_, verdict) = await ledger.SettleAndJudgeAsync(_initialStock, purchases, SettleBound, _time, ct);
        }
        if (_killedAt is { } killed)
            _faults.Add(ClusterFaultChecks.AfterKill(killed, Manifest.Instances.Count - 1, answers, connections, verdict, ProxyRetriesPosts));
        if (_standbyStoppedAt is { } stopped)
            _faults.Add(ClusterFaultChecks.AfterStandbyStop(stopped, answers, pool, loadEndSeconds, deadline.TotalSeconds));

        var report = new ClusterRunReport
        {
            Instances = Manifest.Instances.Count,
            Deploy = Deploy,
            Proxy = Proxy,
            ProxyRetriesPosts = ProxyRetriesPosts,
            Answers = AnswerTally.Count(answers),
            PerInstance = perInstance,
            CatalogReadsStandby = perInstance.Sum(i => i.CatalogReadsStandby),
            CatalogReadsPrimary = perInstance.Sum(i => i.CatalogReadsPrimary),
            Connections = connections,
            Faults = _faults,
            Ledger = verdict,
            ProxyErrors = await NginxErrorLog.ReadAsync(Path.Combine(_files.Logs, "nginx-error.log"), ct),
        };
        return (report, pool);
    }

    /// <summary>Notes about how the cluster was observed (failed scrapes, samples).</summary>
    public IEnumerable<string> ObservationNotes() => _observation.Notes(instanceKilled: _killedAt is not null);

    public async ValueTask DisposeAsync()
    {
        await _observation.DisposeAsync();
        try
        {
            await _launcher.DownAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            _logger.LogError("Taking the cluster in {Root} down failed: {Message}", _files.Root, e.Message);
            throw;
        }
    }
}
