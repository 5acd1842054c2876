using System.Text.RegularExpressions;

namespace Bulwark.Shop.Tests.Operations;

[Collection(OperationsCollection.Name)]
public sealed class MetricsEndpointTests(OperationsFixture shop)
{
    [Fact]
    public async Task Metrics_are_served_in_the_Prometheus_text_format_without_authentication()
    {
        using var client = shop.Client();

        using var response = await client.GetAsync("/metrics");

        response.EnsureSuccessStatusCode();
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE db_client_connection_count gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE db_client_connection_max gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE dotnet_gc_heap_total_allocated_bytes_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE dotnet_process_cpu_time_seconds_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE kestrel_active_connections gauge\n", text, StringComparison.Ordinal);
        Assert.Equal(1, ScrapeText.Sum(text, "bulwark_ready", ("otel_scope_name", "Bulwark.Shop")));
    }

    [Fact]
    public async Task The_guards_instruments_are_exposed_under_the_design_names()
    {
        using var client = shop.Client();
        (await client.GetAsync("/api/categories")).EnsureSuccessStatusCode(); // some gated work

        var text = await client.GetStringAsync("/metrics");

        Assert.Contains("# TYPE bulwark_db_limit gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE db_client_connection_pending_requests gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE db_client_connection_timeouts_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE db_client_connection_wait_time_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.NotNull(ScrapeText.Sum(text, "db_client_connection_count",
            ("otel_scope_name", "Bulwark.Guard"), ("db_client_connection_state", "used")));
        Assert.True(ScrapeText.Sum(text, "bulwark_db_limit") > 0);
        // The CPU's queue, which the edge sheds on beside the gate's: present, and a lateness, never negative.
        Assert.True(ScrapeText.Sum(text, "bulwark_processing_delay_seconds", ("kind", "standing")) >= 0);
        Assert.True(ScrapeText.Sum(text, "bulwark_processing_delay_seconds", ("kind", "smoothed")) >= 0);
    }

    [Fact]
    public async Task Request_counts_and_durations_follow_a_known_load()
    {
        using var client = shop.Client();
        const int requests = 25;
        var before = Count(await client.GetStringAsync("/metrics"));

        for (var i = 0; i < requests; i++)
        {
            (await client.GetAsync($"/api/products/{i + 1}")).EnsureSuccessStatusCode();
        }

        var after = await client.GetStringAsync("/metrics");
        Assert.Equal(requests, Count(after) - before);
        // Every request of the load is in some bucket at or below +Inf, and they took some time.
        Assert.Equal(Count(after), ScrapeText.Sum(after, "http_server_request_duration_seconds_bucket", Route, Ok, ("le", "+Inf")));
        Assert.True(ScrapeText.Sum(after, "http_server_request_duration_seconds_sum", Route, Ok) > 0);
        // Bounds at the thresholds the shop is judged by: the checkout latency alert's 0.2 s and the 2 s deadline.
        Assert.NotNull(ScrapeText.Sum(after, "http_server_request_duration_seconds_bucket", Route, Ok, ("le", "0.2")));
        Assert.NotNull(ScrapeText.Sum(after, "http_server_request_duration_seconds_bucket", Route, Ok, ("le", "2")));

        static double Count(string text) => ScrapeText.Sum(text, "http_server_request_duration_seconds_count", Route, Ok) ?? 0;
    }

    [Fact]
    public async Task Scrapes_do_not_count_themselves_as_requests()
    {
        using var client = shop.Client();

        await client.GetStringAsync("/metrics");
        var text = await client.GetStringAsync("/metrics");

        Assert.Null(ScrapeText.Sum(text, "http_server_request_duration_seconds_count", ("http_route", "/metrics")));
    }

    [Fact]
    public async Task A_live_scrape_passes_promtool_check_metrics()
    {
        using var client = shop.Client();
        (await client.GetAsync("/api/products")).EnsureSuccessStatusCode();
        var text = await client.GetStringAsync("/metrics");

        var result = await Promtool.RunAsync(text, "check", "metrics");

        // promtool's lint dislikes gauges named *_count, but db.client.connection.count, dotnet.timer.count and the
        // like are OpenTelemetry semantic-convention names (DESIGN.md fixes them). Anything else is a failure.
        var gauges = Regex.Matches(text, @"^# TYPE (\S+) gauge$", RegexOptions.Multiline).Select(match => match.Groups[1].Value).ToHashSet();
        var problems = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !(line.EndsWith("non-histogram and non-summary metrics should not have \"_count\" suffix", StringComparison.Ordinal)
                && gauges.Contains(line.Split(' ')[0])))
            .ToList();
        Assert.True(result.ExitCode is 0 or 3, $"promtool could not parse the scrape (exit {result.ExitCode}):\n{result.Output}");
        Assert.True(problems.Count == 0, "promtool check metrics found:\n" + string.Join('\n', problems));
    }

    private static readonly (string, string) Route = ("http_route", "/api/products/{id:long}");
    private static readonly (string, string) Ok = ("http_response_status_code", "200");
}
