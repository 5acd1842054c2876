using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Operations.Alerts;

/// <summary>
/// Reads every alerting rule's state from the configured Prometheus in the background, so any number of
/// dashboard viewers cost Prometheus one request per <see cref="AlertingOptions.RefreshInterval"/>.
/// </summary>
public sealed class PrometheusAlertSource(HttpClient http, IOptions<AlertingOptions> options, TimeProvider clock,
    ILogger<PrometheusAlertSource> logger) : BackgroundService
{
    public const string RulesPath = "api/v1/rules?type=alert";

    private volatile AlertBoard _board = options.Value.PrometheusUrl is { } url
        ? new AlertBoard(AlertBoard.FromPrometheus, url, null, "not read yet", [])
        : AlertBoard.NotConfigured;

    public AlertBoard Board => _board;

    /// <summary>Reads the rules once now; the timer calls this every refresh interval.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (options.Value.PrometheusUrl is not { } prometheus)
        {
            return;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.RequestTimeout);
            var answer = await http.GetFromJsonAsync<PrometheusRulesResponse>(new Uri(prometheus, RulesPath), Json, timeout.Token);
            if (answer is not { Status: "success", Data: { } data })
            {
                Failed($"Prometheus answered {answer?.Status ?? "nothing"}: {answer?.Error}");
                return;
            }

            _board = new AlertBoard(AlertBoard.FromPrometheus, prometheus, clock.GetUtcNow(), null,
                [.. data.Groups.SelectMany(group => group.Rules.Where(rule => rule.Type == "alerting").Select(rule => State(group, rule)))]);
        }
        catch (Exception failure) when (failure is HttpRequestException or JsonException or NotSupportedException
            || (failure is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Failed(failure is OperationCanceledException
                ? $"Prometheus did not answer within {options.Value.RequestTimeout.TotalSeconds:0.#} s"
                : $"Could not read Prometheus' rules: {failure.Message}");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.PrometheusUrl is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.RefreshInterval, clock);
        do
        {
            await RefreshAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private void Failed(string error)
    {
        // The last good states stay on the board, marked stale by the error and their CheckedAt.
        logger.LogWarning("Alert states unavailable: {Error}", error);
        _board = _board with { Error = error };
    }

    private static AlertRuleState State(PrometheusRuleGroup group, PrometheusRule rule) => new(
        rule.Name,
        group.Name,
        rule.State ?? "unknown",
        rule.Labels?.GetValueOrDefault("severity"),
        TimeSpan.FromSeconds(rule.Duration),
        rule.Annotations?.GetValueOrDefault("summary"),
        rule.Annotations?.GetValueOrDefault("runbook_url"),
        rule.Health ?? "unknown",
        rule.LastError is { Length: > 0 } error ? error : null,
        [.. (rule.Alerts ?? []).Select(alert => new ActiveAlert(alert.State, alert.Labels?.GetValueOrDefault("instance"), alert.ActiveAt, alert.Value))]);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
