using System.Globalization;
using Bulwark.Lab.Measurement;
using Bulwark.Lab.Orchestration;
using Bulwark.Lab.Reports;
using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Alerting;

/// <summary>
/// The alerts of one mode's incident run, as an operator's Prometheus and Alertmanager would have
/// raised them: <see cref="AlertObservers"/> started before the load, read back after it, and
/// turned into the report's lines. A Prometheus that cannot start or be read becomes a stated
/// problem in the report, never a failed run and never a silent "no alert fired".
/// </summary>
public sealed class IncidentAlerting : IAsyncDisposable
{
    readonly TimeScaledRules _rules;
    readonly AlertObservers? _observers;
    readonly TimeProvider _time;
    string? _problem;
    DateTimeOffset _loadStart;
    long _ticksAtStart;
    bool _disposed;

    IncidentAlerting(TimeScaledRules rules, AlertObservers? observers, string? problem, TimeProvider time)
    {
        _rules = rules;
        _observers = observers;
        _problem = problem;
        _time = time;
    }

    /// <summary>Prometheus' and Alertmanager's CPU ticks so far, for the load side's account; null when they do not run.</summary>
    public Func<long>? CpuTicks => _observers is null ? null : _observers.CpuTicks;

    /// <summary><c>deploy/prometheus/alerts.yml</c> of the repository (or the copy built beside the lab), time-scaled.</summary>
    public static TimeScaledRules LoadRules(RepoLayout? repo, double timeScale)
    {
        var path = repo is null ? null : Path.Combine(repo.Root, "deploy", "prometheus", "alerts.yml");
        if (path is null || !File.Exists(path)) path = Path.Combine(AppContext.BaseDirectory, "alerts.yml");
        return TimeScaledRules.Load(File.ReadAllText(path), timeScale);
    }

    public static async Task<IncidentAlerting> StartAsync(TimeScaledRules rules, Uri target, CpuSet? cpus, string logPrefix, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        AlertObservers? observers = null;
        try
        {
            observers = await AlertObservers.StartAsync(target, rules, cpus, logPrefix, time, logger, ct);
            await observers.WaitForFirstScrapeAsync(ct);
            return new IncidentAlerting(rules, observers, null, time);
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException && !ct.IsCancellationRequested)
        {
            logger.LogWarning("Alerts will not be replayed: {Reason}", e.Message);
            if (observers is not null) await observers.DisposeAsync();
            return new IncidentAlerting(rules, null, e.Message, time);
        }
    }

    /// <summary>Scrapes another instance from now on (a rolling restart); nothing when alerts are not replayed.</summary>
    public Task MoveTargetAsync(Uri target, CancellationToken ct) => _observers?.MoveTargetAsync(target, ct) ?? Task.CompletedTask;

    /// <summary>Marks the start of the load: alert times are counted from here.</summary>
    public void LoadStarted(DateTimeOffset at)
    {
        _loadStart = at;
        _ticksAtStart = _observers?.CpuTicks() ?? 0;
    }

    /// <summary>Reads back what fired during the load; <paramref name="trigger"/> is when the incident's trigger came in this mode.</summary>
    public async Task<(IReadOnlyList<AlertFiring> Alerts, AlertingSetup Setup, string? CpuNote)> FinishAsync(TimeSpan? trigger, CancellationToken ct)
    {
        IReadOnlyList<AlertFiring> alerts = [];
        string? cpuNote = null;
        if (_observers is not null)
        {
            var seconds = (_observers.CpuTicks() - _ticksAtStart) / (double)ProcStat.TicksPerSecond;
            cpuNote = string.Create(CultureInfo.InvariantCulture,
                $"Prometheus and Alertmanager ran on the load side's CPUs and used {seconds:0.00} CPU-s during the load (counted in the load side's CPU).");
            try
            {
                var observed = await _observers.CollectAsync(_loadStart, _time.GetUtcNow(), ct);
                alerts = AlertTimeline.Build(_rules.Rules, observed, _loadStart);
                if (_observers.Webhook.Rejected > 0) _problem = $"{_observers.Webhook.Rejected} posts to the webhook were not Alertmanager notifications";
            }
            catch (Exception e) when (e is InvalidOperationException or HttpRequestException or System.Text.Json.JsonException or KeyNotFoundException
                                          || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                _problem = "reading the alerts back from Prometheus failed: " + e.Message;
            }
        }
        var source = _observers is null ? "Prometheus and Alertmanager (not running)" : $"{_observers.Versions}; scrape and rule evaluation every 1 s, Alertmanager group_wait 0 s";
        return (alerts, new AlertingSetup(source, _rules.Factor, _rules.Describe(), trigger?.TotalSeconds, _problem), cpuNote);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (_observers is not null) await _observers.DisposeAsync();
    }
}
