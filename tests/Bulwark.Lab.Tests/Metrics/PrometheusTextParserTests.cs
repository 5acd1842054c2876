using Bulwark.Lab.Metrics;

namespace Bulwark.Lab.Tests.Metrics;

public class PrometheusTextParserTests
{
    // Shaped like OpenTelemetry's Prometheus exporter output for the shop's pool.
    const string Exposition = """
        # HELP db_client_connection_count The number of connections that are currently in state described by the state attribute.
        # TYPE db_client_connection_count gauge
        db_client_connection_count{db_client_connection_pool_name="shop",db_client_connection_state="idle"} 3 1718000000000
        db_client_connection_count{db_client_connection_pool_name="shop",db_client_connection_state="used"} 17 1718000000000
        # TYPE db_client_connection_max gauge
        db_client_connection_max{db_client_connection_pool_name="shop"} 20
        # TYPE db_client_connection_pending_requests gauge
        db_client_connection_pending_requests{db_client_connection_pool_name="shop"} 4
        # TYPE bulwark_db_limit gauge
        bulwark_db_limit 12
        # TYPE bulwark_admission_rejected_total counter
        bulwark_admission_rejected_total{priority="sheddable",reason="queue_full"} 120
        bulwark_admission_rejected_total{priority="normal",reason="deadline"} 5
        # TYPE http_server_request_duration_seconds histogram
        http_server_request_duration_seconds_bucket{http_route="/api/products",le="0.005"} 1.5e3
        http_server_request_duration_seconds_bucket{http_route="/api/products",le="+Inf"} 2000
        odd_metric{path="C:\\temp",quote="say \"hi\"",nl="a\nb"} NaN
        negative_metric -Inf
        """;

    [Fact]
    public void Samples_are_parsed_with_labels_values_and_timestamps_ignored()
    {
        var samples = PrometheusTextParser.Parse(Exposition);

        Assert.Equal(11, samples.Count);
        var used = samples.Single(s => s.Name == "db_client_connection_count" && s.Label("db_client_connection_state") == "used");
        Assert.Equal(17, used.Value);
        Assert.Equal("shop", used.Label("db_client_connection_pool_name"));
        Assert.Equal(1500, samples.First(s => s.Name == "http_server_request_duration_seconds_bucket").Value);
        Assert.Equal("+Inf", samples.Last(s => s.Name == "http_server_request_duration_seconds_bucket").Label("le"));
        Assert.Equal(double.NegativeInfinity, samples.Single(s => s.Name == "negative_metric").Value);
    }

    [Fact]
    public void Escaped_label_values_are_unescaped()
    {
        var odd = PrometheusTextParser.Parse(Exposition).Single(s => s.Name == "odd_metric");

        Assert.Equal(@"C:\temp", odd.Label("path"));
        Assert.Equal("say \"hi\"", odd.Label("quote"));
        Assert.Equal("a\nb", odd.Label("nl"));
        Assert.True(double.IsNaN(odd.Value));
    }

    [Fact]
    public void Sum_adds_every_matching_series_and_is_null_when_the_series_is_absent()
    {
        var samples = PrometheusTextParser.Parse(Exposition);

        Assert.Equal(125, samples.Sum("bulwark_admission_rejected_total"));
        Assert.Equal(120, samples.Sum("bulwark_admission_rejected_total", ("priority", "sheddable")));
        Assert.Equal(0 + 0, samples.Sum("bulwark_admission_rejected_total", ("priority", "critical")) ?? 0);
        Assert.Null(samples.Sum("bulwark_admission_rejected_total", ("priority", "critical")));
        Assert.Null(samples.Sum("no_such_metric"));
    }

    [Fact]
    public void A_pool_sample_reads_the_shops_pool_series()
    {
        var sample = PoolSample.From(TimeSpan.FromSeconds(3), PrometheusTextParser.Parse(Exposition));

        Assert.Equal(17, sample.Used);
        Assert.Equal(3, sample.Idle);
        Assert.Equal(20, sample.Max);
        Assert.Equal(4, sample.Pending);
        Assert.Equal(12, sample.Limit);
        Assert.Equal(125, sample.RejectedTotal);
        Assert.Null(sample.TimeoutsTotal);
        Assert.Equal(125, sample.RefusedTotal);
        Assert.Equal(0.85, sample.Utilization!.Value, precision: 9);
    }

    [Fact]
    public void Refusals_leave_out_callers_who_gave_up_themselves()
    {
        const string rejections = """
            bulwark_admission_rejected_total{priority="normal",reason="rate_limited"} 40
            bulwark_admission_rejected_total{priority="critical",reason="queue_delay"} 2
            bulwark_admission_rejected_total{priority="critical",reason="cancelled"} 7
            """;

        var sample = PoolSample.From(TimeSpan.Zero, PrometheusTextParser.Parse(rejections));

        Assert.Equal(49, sample.RejectedTotal);
        Assert.Equal(42, sample.RefusedTotal);
        Assert.Equal(2, sample.CriticalRejectedTotal);
    }

    [Fact]
    public void Refusals_between_two_samples_are_described_by_cause_largest_first()
    {
        var before = PoolSample.From(TimeSpan.Zero, PrometheusTextParser.Parse("""
            bulwark_admission_rejected_total{priority="sheddable",reason="queue_delay"} 10
            bulwark_admission_rejected_total{priority="critical",reason="deadline_unmeetable"} 5
            """));
        var after = PoolSample.From(TimeSpan.FromSeconds(1), PrometheusTextParser.Parse("""
            bulwark_admission_rejected_total{priority="sheddable",reason="queue_delay"} 12
            bulwark_admission_rejected_total{priority="critical",reason="deadline_unmeetable"} 35
            bulwark_admission_rejected_total{priority="critical",reason="cancelled"} 70
            bulwark_admission_rejected_total{priority="normal",reason="rate_limited"} 3
            """));

        Assert.Equal("critical deadline_unmeetable 30, normal rate_limited 3, sheddable queue_delay 2", PoolSample.DescribeRefusals(before, after));
        Assert.Null(PoolSample.DescribeRefusals(after, after));
    }

    [Fact]
    public void A_pool_sample_understands_the_older_npgsql_names()
    {
        const string older = """
            db_client_connections_usage{pool_name="shop",state="used"} 7
            db_client_connections_usage{pool_name="shop",state="idle"} 1
            db_client_connections_max{pool_name="shop"} 100
            """;

        var sample = PoolSample.From(TimeSpan.Zero, PrometheusTextParser.Parse(older));

        Assert.Equal(7, sample.Used);
        Assert.Equal(1, sample.Idle);
        Assert.Equal(100, sample.Max);
        Assert.Null(sample.Limit);
    }

    [Theory]
    [InlineData("metric{label=\"unterminated} 1")]
    [InlineData("metric{label=unquoted} 1")]
    [InlineData("metric")]
    [InlineData("metric twelve")]
    [InlineData("{label=\"x\"} 1")]
    public void A_malformed_line_is_an_error_naming_the_line(string line)
    {
        var error = Assert.Throws<FormatException>(() => PrometheusTextParser.Parse("ok_metric 1\n" + line));
        Assert.Contains("line 2", error.Message);
    }

    [Fact]
    public void Empty_lines_comments_and_windows_line_endings_are_fine()
    {
        var samples = PrometheusTextParser.Parse("# comment\r\n\r\nup 1\r\n");
        Assert.Equal(1, Assert.Single(samples).Value);
    }
}

public class PoolSampleScopeTests
{
    [Fact]
    public void The_gates_view_is_read_and_npgsqls_physical_pool_is_not_added_to_it()
    {
        const string both = """
            db_client_connection_count{otel_scope_name="Bulwark.Guard",db_client_connection_pool_name="bulwark",db_client_connection_state="used"} 6
            db_client_connection_count{otel_scope_name="Bulwark.Guard",db_client_connection_pool_name="bulwark",db_client_connection_state="idle"} 2
            db_client_connection_count{otel_scope_name="Npgsql",db_client_connection_pool_name="bulwark-npgsql",db_client_connection_state="used"} 7
            db_client_connection_count{otel_scope_name="Npgsql",db_client_connection_pool_name="bulwark-npgsql",db_client_connection_state="idle"} 5
            db_client_connection_max{otel_scope_name="Bulwark.Guard",db_client_connection_pool_name="bulwark"} 40
            db_client_connection_max{otel_scope_name="Npgsql",db_client_connection_pool_name="bulwark-npgsql"} 40
            db_client_connection_pending_requests{otel_scope_name="Bulwark.Guard",db_client_connection_pool_name="bulwark",priority="critical"} 1
            db_client_connection_pending_requests{otel_scope_name="Bulwark.Guard",db_client_connection_pool_name="bulwark",priority="sheddable"} 4
            db_client_connection_pending_requests{otel_scope_name="Npgsql",db_client_connection_pool_name="bulwark-npgsql"} 9
            bulwark_db_limit{otel_scope_name="Bulwark.Guard",db_client_connection_pool_name="bulwark"} 8
            """;

        var sample = PoolSample.From(TimeSpan.Zero, PrometheusTextParser.Parse(both));

        Assert.Equal(6, sample.Used);
        Assert.Equal(2, sample.Idle);
        Assert.Equal(40, sample.Max);
        Assert.Equal(5, sample.Pending);
        Assert.Equal(8, sample.Limit);
    }

    [Fact]
    public void Without_the_gates_series_npgsqls_are_read()
    {
        const string npgsqlOnly = """
            db_client_connection_count{otel_scope_name="Npgsql",db_client_connection_state="used"} 7
            db_client_connection_max{otel_scope_name="Npgsql"} 100
            """;

        var sample = PoolSample.From(TimeSpan.Zero, PrometheusTextParser.Parse(npgsqlOnly));

        Assert.Equal(7, sample.Used);
        Assert.Equal(100, sample.Max);
    }
}
