using Bulwark.Shop.Operations.Metrics;

namespace Bulwark.Shop.Tests.Operations;

public sealed class PrometheusNamingTests
{
    [Theory]
    [InlineData("http.server.request.duration", "s", MetricKind.Histogram, "http_server_request_duration_seconds")]
    [InlineData("db.client.connection.count", "{connection}", MetricKind.Gauge, "db_client_connection_count")]
    [InlineData("db.client.connection.timeouts", "{timeout}", MetricKind.Counter, "db_client_connection_timeouts_total")]
    [InlineData("db.client.connection.wait_time", "s", MetricKind.Histogram, "db_client_connection_wait_time_seconds")]
    [InlineData("bulwark.admission.rejected", "{request}", MetricKind.Counter, "bulwark_admission_rejected_total")]
    [InlineData("bulwark.db.limit", "{connection}", MetricKind.Gauge, "bulwark_db_limit")]
    [InlineData("dotnet.gc.heap.total_allocated", "By", MetricKind.Counter, "dotnet_gc_heap_total_allocated_bytes_total")]
    [InlineData("dotnet.process.memory.working_set", "By", MetricKind.Gauge, "dotnet_process_memory_working_set_bytes")]
    [InlineData("dotnet.process.cpu.time", "s", MetricKind.Counter, "dotnet_process_cpu_time_seconds_total")]
    [InlineData("kestrel.connection.duration", "s", MetricKind.Histogram, "kestrel_connection_duration_seconds")]
    public void Semantic_convention_names_convert_as_the_OpenTelemetry_exporter_converts_them(string name, string unit, MetricKind kind, string expected) =>
        Assert.Equal(expected, PrometheusNaming.MetricName(name, unit, kind));

    [Theory]
    [InlineData("cache.hit", "1", MetricKind.Gauge, "cache_hit_ratio")]
    [InlineData("cache.hits", "1", MetricKind.Counter, "cache_hits_total")]
    [InlineData("pool.use_ratio", "1", MetricKind.Gauge, "pool_use_ratio")]
    [InlineData("network.io", "By/s", MetricKind.Gauge, "network_io_bytes_per_second")]
    [InlineData("queue.drain", "{request}/s", MetricKind.Gauge, "queue_drain_per_second")]
    [InlineData("query.duration", "ms", MetricKind.Histogram, "query_duration_milliseconds")]
    [InlineData("upload.size", "KiBy", MetricKind.Histogram, "upload_size_kibibytes")]
    [InlineData("disk.free", "percent_free", MetricKind.Gauge, "disk_free_percent_free")]
    public void Units_become_spelt_out_suffixes_and_annotations_are_dropped(string name, string unit, MetricKind kind, string expected) =>
        Assert.Equal(expected, PrometheusNaming.MetricName(name, unit, kind));

    [Theory]
    [InlineData("request.duration_seconds", "s", MetricKind.Histogram, "request_duration_seconds")]
    [InlineData("jobs.done_total", "{job}", MetricKind.Counter, "jobs_done_total")]
    [InlineData("bytes.sent_bytes_total", "By", MetricKind.Counter, "bytes_sent_bytes_total")]
    public void A_suffix_the_name_already_has_is_not_added_again(string name, string unit, MetricKind kind, string expected) =>
        Assert.Equal(expected, PrometheusNaming.MetricName(name, unit, kind));

    [Theory]
    [InlineData("my-app..requests/sec", "", MetricKind.Gauge, "my_app_requests_sec")]
    [InlineData("9lives", null, MetricKind.Gauge, "_lives")]
    [InlineData("ns:metric", null, MetricKind.Gauge, "ns:metric")]
    [InlineData("café.orders", null, MetricKind.Counter, "caf_orders_total")]
    public void Characters_outside_the_metric_name_alphabet_become_single_underscores(string name, string? unit, MetricKind kind, string expected) =>
        Assert.Equal(expected, PrometheusNaming.MetricName(name, unit, kind));

    [Theory]
    [InlineData("db.client.connection.state", "db_client_connection_state")]
    [InlineData("http.response.status_code", "http_response_status_code")]
    [InlineData("priority", "priority")]
    [InlineData("ns:label", "ns_label")]
    [InlineData("2fa", "_fa")]
    public void Attribute_names_become_label_names(string attribute, string expected) =>
        Assert.Equal(expected, PrometheusNaming.LabelName(attribute));
}
