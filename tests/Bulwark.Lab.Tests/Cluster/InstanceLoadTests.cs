using Bulwark.Lab.Cluster;
using Bulwark.Lab.Metrics;

namespace Bulwark.Lab.Tests.Cluster;

/// <summary>Each instance's load and catalog reads from its own /metrics, and the cluster's pool as one.</summary>
public sealed class InstanceLoadTests
{
    static PoolSample Scrape(double seconds, double requests, double? standby, double? primary, double used = 4, double rejected = 0)
    {
        var text = $$"""
            # TYPE http_server_request_duration_seconds histogram
            http_server_request_duration_seconds_count{http_route="/api/products",http_response_status_code="200"} {{requests - 10}}
            http_server_request_duration_seconds_count{http_route="/api/checkout",http_response_status_code="201"} 10
            http_server_request_duration_seconds_bucket{http_route="/api/checkout",le="+Inf"} 10
            db_client_connection_count{db_client_connection_state="used",otel_scope_name="Bulwark.Guard"} {{used}}
            bulwark_admission_rejected_total{priority="sheddable",reason="queue"} {{rejected}}
            {{(standby is null ? "" : $"bulwark_catalog_reads_total{{source=\"standby\"}} {standby}")}}
            {{(primary is null ? "" : $"bulwark_catalog_reads_total{{source=\"primary\"}} {primary}")}}
            """;
        return PoolSample.From(TimeSpan.FromSeconds(seconds), PrometheusTextParser.Parse(text));
    }

    [Fact]
    public void Requests_and_catalog_reads_by_source_are_read_from_the_exposition()
    {
        var sample = Scrape(1, requests: 250, standby: 40, primary: 3);

        Assert.Equal(250, sample.RequestsTotal);
        Assert.Equal(40, sample.CatalogReadsStandby);
        Assert.Equal(3, sample.CatalogReadsPrimary);
    }

    [Fact]
    public void An_instance_rate_is_the_counters_increase_over_the_time_it_was_observed()
    {
        // The standby series appears only with its first read: missing counts from zero.
        var load = InstanceLoad.From("http://127.0.0.1:1", [Scrape(12, 700, 90, 10), Scrape(2, 200, null, 4), Scrape(7, 450, 30, 6)], killedAtSeconds: 13);

        Assert.Equal(500, load.Requests);
        Assert.Equal(10, load.Seconds);
        Assert.Equal(50, load.RequestsPerSecond);
        Assert.Equal(90, load.CatalogReadsStandby);
        Assert.Equal(6, load.CatalogReadsPrimary);
        Assert.Equal(13, load.KilledAtSeconds);
    }

    [Fact]
    public void A_single_scrape_gives_no_rate()
    {
        var load = InstanceLoad.From("http://127.0.0.1:1", [Scrape(1, 100, 1, 1)]);

        Assert.Equal(0, load.RequestsPerSecond);
    }

    [Fact]
    public void The_clusters_pool_adds_instances_up_and_a_killed_instance_keeps_its_counters()
    {
        IReadOnlyList<PoolSample> first = [Scrape(0.1, 100, 0, 0, used: 3, rejected: 1), Scrape(1.1, 200, 5, 0, used: 5, rejected: 2), Scrape(2.1, 300, 9, 1, used: 6, rejected: 4)];
        IReadOnlyList<PoolSample> killed = [Scrape(0.2, 50, 0, 0, used: 2, rejected: 7), Scrape(1.2, 90, 2, 0, used: 4, rejected: 9)];

        var merged = InstanceLoad.Merge([first, killed]);

        Assert.Equal(3, merged.Count);
        Assert.Equal([5.0, 9.0, 6.0], merged.Select(p => p.Used!.Value));
        // After the kill its counters stay at their last value rather than vanish (which would read as a restart).
        Assert.Equal([8.0, 11.0, 13.0], merged.Select(p => p.RejectedTotal!.Value));
        Assert.Equal([150.0, 290.0, 390.0], merged.Select(p => p.RequestsTotal!.Value));
        Assert.Equal(TimeSpan.FromSeconds(2.1), merged[^1].At);
    }
}
