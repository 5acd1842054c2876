using System.Diagnostics.Metrics;
using Bulwark.Shop.Operations.Metrics;

namespace Bulwark.Shop.Tests.Operations;

/// <summary>Real instruments, measured through the collector, written in the exposition format.</summary>
public sealed class PrometheusTextWriterTests : IDisposable
{
    // Names unique to this test class, so instruments that other tests create in the process do not show up.
    private readonly string _meterName = $"Test.Writer.{Guid.NewGuid():N}";
    private readonly Meter _meter;
    private readonly MetricCollector _collector;

    public PrometheusTextWriterTests()
    {
        _meter = new Meter(_meterName);
        _collector = new MetricCollector([_meterName]);
    }

    public void Dispose()
    {
        _collector.Dispose();
        _meter.Dispose();
    }

    [Fact]
    public void A_counter_is_written_with_help_type_total_and_its_sum_per_attribute_set()
    {
        var rejected = _meter.CreateCounter<long>("bulwark.admission.rejected", "{request}", "Work the gate refused.");
        rejected.Add(2, new("priority", "critical"), new("reason", "queue_full"));
        rejected.Add(3, new("reason", "queue_full"), new("priority", "critical")); // same set, other order
        rejected.Add(1, new("priority", "sheddable"), new("reason", "queue_delay"));

        var text = PrometheusTextWriter.Write(_collector.Collect());

        Assert.Equal(
            "# HELP bulwark_admission_rejected_total Work the gate refused.\n" +
            "# TYPE bulwark_admission_rejected_total counter\n",
            string.Concat(text.Split('\n').Take(2).Select(line => line + "\n")));
        Assert.Contains($"bulwark_admission_rejected_total{{priority=\"critical\",reason=\"queue_full\",otel_scope_name=\"{_meterName}\"}} 5\n", text);
        Assert.Contains($"bulwark_admission_rejected_total{{priority=\"sheddable\",reason=\"queue_delay\",otel_scope_name=\"{_meterName}\"}} 1\n", text);
    }

    [Fact]
    public void An_up_down_counter_is_a_gauge_of_its_running_sum()
    {
        var count = _meter.CreateUpDownCounter<int>("db.client.connection.count", "{connection}", "Connections by state.");
        count.Add(4, new KeyValuePair<string, object?>("db.client.connection.state", "used"));
        count.Add(-1, new KeyValuePair<string, object?>("db.client.connection.state", "used"));

        var text = PrometheusTextWriter.Write(_collector.Collect());

        Assert.Contains("# TYPE db_client_connection_count gauge\n", text);
        Assert.Contains($"db_client_connection_count{{db_client_connection_state=\"used\",otel_scope_name=\"{_meterName}\"}} 3\n", text);
    }

    [Fact]
    public void A_histogram_is_written_as_cumulative_buckets_with_sum_and_count()
    {
        var duration = _meter.CreateHistogram<double>("http.server.request.duration", "s", "Request time.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.125, 0.5, 1] });
        foreach (var seconds in new[] { 0.0625, 0.125, 0.25, 0.75, 2.0 })
        {
            duration.Record(seconds, new KeyValuePair<string, object?>("http.route", "/api/checkout"));
        }

        var text = PrometheusTextWriter.Write(_collector.Collect());

        var labels = $"http_route=\"/api/checkout\",otel_scope_name=\"{_meterName}\"";
        Assert.Contains(
            "# TYPE http_server_request_duration_seconds histogram\n" +
            $"http_server_request_duration_seconds_bucket{{{labels},le=\"0.125\"}} 2\n" + // a value on a bound is in that bucket (le)
            $"http_server_request_duration_seconds_bucket{{{labels},le=\"0.5\"}} 3\n" +
            $"http_server_request_duration_seconds_bucket{{{labels},le=\"1\"}} 4\n" +
            $"http_server_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} 5\n" +
            $"http_server_request_duration_seconds_sum{{{labels}}} 3.1875\n" +
            $"http_server_request_duration_seconds_count{{{labels}}} 5\n", text);
    }

    [Fact]
    public void Observable_instruments_report_only_what_their_callback_reports_now()
    {
        var pools = new Dictionary<string, int> { ["shop"] = 7, ["reports"] = 2 };
        _meter.CreateObservableGauge("bulwark.db.limit",
            () => pools.Select(pool => new Measurement<int>(pool.Value, new KeyValuePair<string, object?>("pool", pool.Key))),
            "{connection}", "The gate's limit.");

        var before = PrometheusTextWriter.Write(_collector.Collect());
        pools.Remove("reports");
        pools["shop"] = 9;
        var after = PrometheusTextWriter.Write(_collector.Collect());

        Assert.Contains($"bulwark_db_limit{{pool=\"reports\",otel_scope_name=\"{_meterName}\"}} 2\n", before);
        Assert.Contains($"bulwark_db_limit{{pool=\"shop\",otel_scope_name=\"{_meterName}\"}} 9\n", after);
        Assert.DoesNotContain("pool=\"reports\"", after);
    }

    [Fact]
    public void Label_values_escape_backslash_quote_and_newline_and_help_escapes_backslash_and_newline()
    {
        var counter = _meter.CreateCounter<long>("odd.values", description: "Line one\nline \"two\" \\ three");
        counter.Add(1, new KeyValuePair<string, object?>("path", "C:\\shop\n\"quoted\""));

        var text = PrometheusTextWriter.Write(_collector.Collect());

        Assert.Contains("# HELP odd_values_total Line one\\nline \"two\" \\\\ three\n", text);
        Assert.Contains("odd_values_total{path=\"C:\\\\shop\\n\\\"quoted\\\"\",", text);
    }

    [Fact]
    public void An_instrument_without_description_is_described_by_its_name_and_attribute_values_of_any_type_are_written()
    {
        var gauge = _meter.CreateGauge<double>("shop.temperature");
        gauge.Record(21.5, new("code", 503), new("healthy", false), new("ratio", 0.25));

        var text = PrometheusTextWriter.Write(_collector.Collect());

        Assert.Contains("# HELP shop_temperature shop.temperature\n", text);
        Assert.Contains($"shop_temperature{{code=\"503\",healthy=\"false\",ratio=\"0.25\",otel_scope_name=\"{_meterName}\"}} 21.5\n", text);
    }

    [Fact]
    public void Instruments_of_two_meters_with_one_Prometheus_name_share_one_family_told_apart_by_scope()
    {
        using var other = new Meter(_meterName + ".Other");
        using var collector = new MetricCollector([_meterName, other.Name]);
        _meter.CreateObservableGauge("db.client.connection.max", () => 20, "{connection}");
        other.CreateObservableGauge("db.client.connection.max", () => 100, "{connection}");

        var text = PrometheusTextWriter.Write(collector.Collect());

        Assert.Single(text.Split('\n'), line => line == "# TYPE db_client_connection_max gauge");
        Assert.Contains($"db_client_connection_max{{otel_scope_name=\"{_meterName}\"}} 20\n", text);
        Assert.Contains($"db_client_connection_max{{otel_scope_name=\"{other.Name}\"}} 100\n", text);
    }

    [Theory]
    [InlineData(0.1, "0.1")]
    [InlineData(1e21, "1E+21")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(-3, "-3")]
    public void Values_are_written_in_the_invariant_float_syntax_Prometheus_parses(double value, string expected) =>
        Assert.Equal(expected, PrometheusTextWriter.FormatValue(value));
}
