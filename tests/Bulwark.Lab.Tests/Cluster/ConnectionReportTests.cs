using Bulwark.Lab.Cluster;

namespace Bulwark.Lab.Tests.Cluster;

/// <summary>The primary's connections over a cluster run, against the budget the instances share.</summary>
public sealed class ConnectionReportTests
{
    static ConnectionSample At(double seconds, int pooled, int? instances, int direct = 6) => new(seconds, new Dictionary<string, int>
    {
        ["bulwark"] = pooled,
        [ConnectionSample.DirectSession] = direct,
        ["bulwark-lab-observer"] = 1,
        ["walsender"] = 1,
        ["checkpointer"] = 1,
    }, instances);

    [Theory]
    [InlineData("client backend", "bulwark", "bulwark")]
    [InlineData("client backend", "", "(unnamed client)")]
    [InlineData("client backend", null, "(unnamed client)")]
    [InlineData("walsender", "bulwark-standby", "walsender")]
    [InlineData("autovacuum launcher", "", "autovacuum launcher")]
    public void Client_backends_are_named_by_application_and_the_rest_by_their_kind(string backendType, string? application, string expected) =>
        Assert.Equal(expected, ConnectionSample.NameOf(backendType, application));

    [Fact]
    public void Pooled_connections_leave_out_direct_sessions_the_labs_observers_and_background_processes()
    {
        var sample = new ConnectionSample(0, new Dictionary<string, int>
        {
            ["bulwark"] = 12,
            ["(unnamed client)"] = 2,
            [ConnectionSample.DirectSession] = 6,
            ["bulwark-lab-ledger"] = 1,
            ["Bulwark.PaymentSandbox"] = 1,
            ["walsender"] = 1,
            ["background writer"] = 1,
        }, 3);

        Assert.Equal(14, sample.Pooled);
        Assert.Equal(6, sample.Direct);
    }

    [Fact]
    public void The_report_gives_peaks_and_the_samples_above_the_budget()
    {
        var report = ConnectionReport.Of([At(1.0, 30, 3), At(0.5, 20, 3), At(1.5, 41, 3), At(2.0, 40, 3)], budget: 40, serverMaxConnections: 100);

        Assert.Equal(4, report.Samples);
        Assert.Equal(41, report.MaxPooled);
        Assert.Equal(6, report.MaxDirect);
        Assert.Equal(1, report.OverBudget);
        // Every client backend, the lab's observer included; the walsender and checkpointer are no clients.
        Assert.Equal(41 + 6 + 1, report.MaxClientBackends);
        Assert.Equal(41, report.PeakByName["bulwark"]);
        Assert.Equal([0.5, 1.0, 1.5, 2.0], report.Timeline.Select(s => s.AtSeconds));
    }

    [Fact]
    public void The_budget_is_reshared_when_the_instance_count_first_drops_to_the_survivors()
    {
        var report = ConnectionReport.Of([At(10, 30, 3), At(12, 25, 3), At(19.5, 20, 3), At(20.5, 32, 2), At(21, 38, 2)], 40, 100);

        Assert.Equal(20.5 - 11, report.ResharedAfter(11, survivors: 2));
        Assert.Equal(38, report.MaxPooledFrom(11));
        Assert.Null(report.ResharedAfter(11, survivors: 1));
    }

    [Fact]
    public void Without_a_shared_budget_there_is_no_reshare_time()
    {
        var report = ConnectionReport.Of([At(10, 90, null), At(11, 95, null)], 40, 100);

        Assert.Null(report.ResharedAfter(9, survivors: 2));
        Assert.Equal(2, report.OverBudget);
    }

    [Fact]
    public void The_chart_takes_the_most_pooled_connections_of_each_second()
    {
        var report = ConnectionReport.Of([At(0.2, 10, 3), At(0.7, 14, 3), At(2.1, 9, 3)], 40, 100);

        Assert.Equal([14.0, null, 9.0], report.PooledPerSecond());
    }
}
