using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Lab.Measurement;
using Bulwark.Lab.Orchestration;
using Bulwark.LocalPostgres;
using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Alerting;

/// <summary>What Prometheus and Alertmanager saw of one run, read back when its load ended.</summary>
/// <param name="FiringAt">Per alert name, the instants Prometheus' <c>ALERTS{alertstate="firing"}</c> series had a sample (1 s apart).</param>
/// <param name="PendingAtEnd">Alerts whose condition held at the end but not yet for their <c>for:</c>.</param>
/// <param name="Notifications">Every alert of every notification Alertmanager posted to the lab's webhook.</param>
public sealed record AlertObservation(
    IReadOnlyDictionary<string, IReadOnlyList<DateTimeOffset>> FiringAt,
    IReadOnlySet<string> PendingAtEnd,
    IReadOnlyList<AlertNotification> Notifications);

/// <summary>
/// A real Prometheus and Alertmanager watching one shop for one run, on loopback and free ports, in a
/// temporary directory: Prometheus scrapes the shop's <c>/metrics</c> every second as job
/// <c>bulwark-shop</c>, evaluates the time-scaled rules every second and sends to Alertmanager, which
/// posts to the lab's <see cref="AlertWebhook"/> at once (group_wait 0 s). Both are observers: they run
/// on the load side's CPUs, and their CPU time is charged to that side. Everything stops, and the
/// directory goes, when this is disposed (and, as for every child, when the lab stops).
/// </summary>
public sealed class AlertObservers : IAsyncDisposable
{
    public const string Job = "bulwark-shop";
    static readonly TimeSpan StartAllowance = TimeSpan.FromSeconds(30);

    readonly string _directory;
    readonly AlertWebhook _webhook;
    readonly List<ChildProcess> _processes = [];
    readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    readonly TimeProvider _time;

    AlertObservers(string directory, AlertWebhook webhook, TimeProvider time)
    {
        _directory = directory;
        _webhook = webhook;
        _time = time;
    }

    public Uri Prometheus { get; private set; } = null!;
    public Uri Alertmanager { get; private set; } = null!;
    public AlertWebhook Webhook => _webhook;

    /// <summary>"Prometheus 2.42.0, Alertmanager 0.25.0", from their build-info APIs.</summary>
    public string Versions { get; private set; } = "";

    public IReadOnlyList<int> ProcessIds => [.. _processes.Select(p => p.Id)];

    /// <summary>The two programs on PATH (Debian names first); null with what is missing.</summary>
    public static (string Prometheus, string Alertmanager)? FindBinaries(out string? missing)
    {
        var prometheus = OnPath("prometheus");
        var alertmanager = OnPath("prometheus-alertmanager") ?? OnPath("alertmanager");
        missing = prometheus is null && alertmanager is null ? "prometheus and alertmanager"
            : prometheus is null ? "prometheus" : alertmanager is null ? "alertmanager (Debian: prometheus-alertmanager)" : null;
        return missing is null ? (prometheus!, alertmanager!) : null;
    }

    /// <param name="logPrefix">Logs go to <c>{logPrefix}prometheus.log</c> and <c>{logPrefix}alertmanager.log</c>.</param>
    public static async Task<AlertObservers> StartAsync(Uri target, TimeScaledRules rules, CpuSet? cpus, string logPrefix, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        var (prometheusPath, alertmanagerPath) = FindBinaries(out var missing)
            ?? throw new InvalidOperationException($"{missing} not found on PATH (apt-get install prometheus prometheus-alertmanager).");
        var directory = Directory.CreateTempSubdirectory("bulwark-lab-alerts-").FullName;
        var observers = new AlertObservers(directory, AlertWebhook.Start(time), time);
        try
        {
            await observers.StartProcessesAsync(prometheusPath, alertmanagerPath, target, rules, cpus, logPrefix, logger, ct);
            return observers;
        }
        catch
        {
            await observers.DisposeAsync();
            throw;
        }
    }

    async Task StartProcessesAsync(string prometheusPath, string alertmanagerPath, Uri target, TimeScaledRules rules, CpuSet? cpus, string logPrefix,
        ILogger logger, CancellationToken ct)
    {
        var alertmanagerPort = LoopbackPort.Free();
        Alertmanager = new Uri($"http://127.0.0.1:{alertmanagerPort}");
        var alertmanagerConfig = Path.Combine(_directory, "alertmanager.yml");
        await File.WriteAllTextAsync(alertmanagerConfig, AlertmanagerYaml(_webhook.Address), ct);
        var alertmanager = Start("alertmanager", alertmanagerPath,
        [
            $"--config.file={alertmanagerConfig}",
            $"--storage.path={Path.Combine(_directory, "alertmanager-data")}",
            $"--web.listen-address=127.0.0.1:{alertmanagerPort}",
            "--cluster.listen-address=",   // no gossip port: a lone Alertmanager, loopback only
            "--log.level=warn",
        ], logPrefix, cpus);

        var prometheusPort = LoopbackPort.Free();
        Prometheus = new Uri($"http://127.0.0.1:{prometheusPort}");
        await File.WriteAllTextAsync(Path.Combine(_directory, "alerts.lab.yml"), rules.Yaml, ct);
        var prometheusConfig = Path.Combine(_directory, "prometheus.yml");
        await MoveTargetAsync(target, ct);
        await File.WriteAllTextAsync(prometheusConfig, PrometheusYaml(target, alertmanagerPort), ct);
        var prometheus = Start("prometheus", prometheusPath,
        [
            $"--config.file={prometheusConfig}",
            $"--storage.tsdb.path={Path.Combine(_directory, "prometheus-data")}",
            $"--web.listen-address=127.0.0.1:{prometheusPort}",
            "--rules.alert.resend-delay=1s",   // re-sends (and resolutions) within a second, not a minute
            "--log.level=warn",
        ], logPrefix, cpus);

        logger.LogInformation("Alerting: Prometheus on {Prometheus}, Alertmanager on {Alertmanager}, webhook on {Webhook}", Prometheus, Alertmanager, _webhook.Address);
        await WaitReadyAsync(alertmanager, Alertmanager, ct);
        await WaitReadyAsync(prometheus, Prometheus, ct);
        Versions = $"Prometheus {await VersionAsync(new Uri(Prometheus, "/api/v1/status/buildinfo"), ct)}, " +
                   $"Alertmanager {await VersionAsync(new Uri(Alertmanager, "/api/v2/status"), ct)}";
    }

    ChildProcess Start(string name, string path, IReadOnlyList<string> arguments, string logPrefix, CpuSet? cpus)
    {
        var process = ChildProcess.Start(name, path, arguments, _directory, $"{logPrefix}{name}.log", cpus: cpus);
        _processes.Add(process);
        return process;
    }

    string TargetsFile => Path.Combine(_directory, "targets.json");

    /// <summary>
    /// Points the scrape at another instance (a rolling restart), as service discovery would: Prometheus
    /// watches the file and follows within a second or two; the old instance's series go stale.
    /// </summary>
    public async Task MoveTargetAsync(Uri target, CancellationToken ct)
    {
        var next = TargetsFile + ".next";
        await File.WriteAllTextAsync(next, $"[{{\"targets\": [\"{target.Authority}\"]}}]", ct);
        File.Move(next, TargetsFile, overwrite: true);
    }

    /// <summary>Scrape every second, evaluate every second, one Alertmanager; the target from <see cref="TargetsFile"/>.</summary>
    internal static string PrometheusYaml(Uri target, int alertmanagerPort) => $"""
        # Generated by the Bulwark lab for one run.
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        rule_files:
          - alerts.lab.yml
        alerting:
          alertmanagers:
            - static_configs:
                - targets: ["127.0.0.1:{alertmanagerPort}"]
        scrape_configs:
          - job_name: {Job}
            metrics_path: /metrics
            scheme: {target.Scheme}
            file_sd_configs:
              - files: [targets.json]
                refresh_interval: 1s
        """;

    /// <summary>Every alert to the lab's webhook, each name and instance its own group, no batching delay.</summary>
    internal static string AlertmanagerYaml(Uri webhook) => $"""
        # Generated by the Bulwark lab for one run.
        route:
          receiver: lab
          group_by: [alertname, instance]
          group_wait: 0s
          group_interval: 1s
          repeat_interval: 1h
        receivers:
          - name: lab
            webhook_configs:
              - url: "{webhook}"
                send_resolved: true
        """;

    async Task WaitReadyAsync(ChildProcess process, Uri server, CancellationToken ct)
    {
        var deadline = _time.GetUtcNow() + StartAllowance;
        while (_time.GetUtcNow() < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"{process.Name} exited with code {process.ExitCode}:{Environment.NewLine}{process.Tail()}");
            try
            {
                using var response = await _http.GetAsync(new Uri(server, "/-/ready"), ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                // Not listening yet.
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), _time, ct);
        }
        throw new InvalidOperationException($"{process.Name} was not ready within {StartAllowance.TotalSeconds:0} s:{Environment.NewLine}{process.Tail()}");
    }

    async Task<string> VersionAsync(Uri uri, CancellationToken ct)
    {
        try
        {
            using var json = JsonDocument.Parse(await _http.GetStringAsync(uri, ct));
            var root = json.RootElement;
            if (root.TryGetProperty("data", out var data) && data.TryGetProperty("version", out var v)) return v.GetString() ?? "?";
            if (root.TryGetProperty("versionInfo", out var info) && info.TryGetProperty("version", out var w)) return w.GetString() ?? "?";
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // The version is for the report only.
        }
        return "?";
    }

    /// <summary>Waits until Prometheus has scraped the shop once, so the run's first seconds are observed.</summary>
    public async Task WaitForFirstScrapeAsync(CancellationToken ct)
    {
        var deadline = _time.GetUtcNow() + StartAllowance;
        while (_time.GetUtcNow() < deadline)
        {
            if (await QueryAsync($"up{{job=\"{Job}\"}} == 1", ct) is { } result && result.GetArrayLength() > 0) return;
            await Task.Delay(TimeSpan.FromMilliseconds(250), _time, ct);
        }
        throw new InvalidOperationException($"Prometheus did not scrape the shop within {StartAllowance.TotalSeconds:0} s (see prometheus.log).");
    }

    /// <summary>
    /// Reads back what fired between <paramref name="from"/> and <paramref name="to"/>, giving Alertmanager's
    /// last post a moment to land. The range query runs one step (1 s) past <paramref name="to"/>: an alert
    /// that turned firing in the last second before it has its first sample seen only by the next step.
    /// </summary>
    public async Task<AlertObservation> CollectAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await Task.Delay(TimeSpan.FromSeconds(1.5), _time, ct);
        var firing = new Dictionary<string, IReadOnlyList<DateTimeOffset>>();
        var range = await GetDataAsync("/api/v1/query_range?query=" + Uri.EscapeDataString("ALERTS{alertstate=\"firing\"}") +
            Invariant($"&start={from.ToUnixTimeMilliseconds() / 1000.0:0.000}&end={to.AddSeconds(1).ToUnixTimeMilliseconds() / 1000.0:0.000}&step=1"), ct);
        foreach (var series in range.GetProperty("result").EnumerateArray())
        {
            var name = series.GetProperty("metric").GetProperty("alertname").GetString() ?? "";
            var at = series.GetProperty("values").EnumerateArray()
                .Select(v => DateTimeOffset.FromUnixTimeMilliseconds((long)(v[0].GetDouble() * 1000)));
            firing[name] = [.. (firing.TryGetValue(name, out var seen) ? seen.Concat(at) : at).Distinct().Order()];
        }
        var active = await GetDataAsync("/api/v1/alerts", ct);
        var pending = active.GetProperty("alerts").EnumerateArray()
            .Where(a => a.GetProperty("state").GetString() == "pending")
            .Select(a => a.GetProperty("labels").GetProperty("alertname").GetString() ?? "")
            .ToHashSet();
        return new AlertObservation(firing, pending, _webhook.Received);
    }

    /// <summary>CPU ticks Prometheus and Alertmanager have used so far (their own), for the load side's account.</summary>
    public long CpuTicks() => _processes.Sum(p => ProcessTable.Read(p.Id)?.Own ?? 0);

    async Task<JsonElement?> QueryAsync(string promQl, CancellationToken ct)
    {
        try
        {
            return (await GetDataAsync("/api/v1/query?query=" + Uri.EscapeDataString(promQl), ct)).GetProperty("result");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            return null;
        }
    }

    async Task<JsonElement> GetDataAsync(string pathAndQuery, CancellationToken ct)
    {
        var body = await _http.GetFromJsonAsync<JsonElement>(new Uri(Prometheus, pathAndQuery), ct);
        return body.GetProperty("status").GetString() == "success"
            ? body.GetProperty("data")
            : throw new InvalidOperationException($"Prometheus answered {body}");
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    public async ValueTask DisposeAsync()
    {
        // Prometheus first, so it does not log a minute of failed sends to a stopped Alertmanager.
        for (var i = _processes.Count - 1; i >= 0; i--) await _processes[i].DisposeAsync();
        await _webhook.DisposeAsync();
        _http.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open: the temp directory is left for the OS to clean.
        }
    }
}
