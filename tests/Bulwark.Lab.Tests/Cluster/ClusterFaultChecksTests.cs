using Bulwark.Lab.Chaos;
using Bulwark.Lab.Cluster;
using Bulwark.Lab.Load;
using Bulwark.Lab.Metrics;

namespace Bulwark.Lab.Tests.Cluster;

/// <summary>What the guarded cluster run checks after an instance is killed and after the standby stops.</summary>
public sealed class ClusterFaultChecksTests
{
    static AnswerTally.Answer A(double at, RequestClass c, int? status, AnswerOrigin origin = AnswerOrigin.Shop, Outcome outcome = Outcome.Success) =>
        new(c, status, origin, outcome, at);

    static ConnectionReport Connections(params (double At, int Pooled, int Instances)[] samples) =>
        ConnectionReport.Of([.. samples.Select(s => new ConnectionSample(s.At, new Dictionary<string, int> { ["bulwark"] = s.Pooled }, s.Instances))], 40, 100);

    static readonly LedgerVerdict Clean = new(120, 100, 20, 100, 0, 0, 0, 0, 0, 0, []);

    [Fact]
    public void A_kill_passes_when_only_posts_got_nginxs_502_the_budget_was_reshared_in_time_and_the_ledger_agrees()
    {
        IReadOnlyList<AnswerTally.Answer> answers =
        [
            A(19, RequestClass.Browse, 200),
            A(20.1, RequestClass.Checkout, 502, AnswerOrigin.Proxy, Outcome.Error),
            A(20.2, RequestClass.Product, 200),
        ];
        var connections = Connections((19, 30, 3), (25, 33, 3), (29.5, 35, 2), (35, 38, 2));

        var outcome = ClusterFaultChecks.AfterKill(20, survivors: 2, answers, connections, Clean, proxyRetriesPosts: false);

        Assert.True(outcome.Passed, string.Join("\n", outcome.Findings));
        Assert.Contains(outcome.Findings, f => f.Contains("checkout 502 (nginx) ×1", StringComparison.Ordinal));
        Assert.Contains(outcome.Findings, f => f.Contains("2 survivors 9.5 s after the kill", StringComparison.Ordinal));
        Assert.Contains(outcome.Findings, f => f.Contains("peaked at 38 (budget 40)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("read answered by nginx")]
    [InlineData("posts retried")]
    [InlineData("never reshared")]
    [InlineData("over budget")]
    [InlineData("ledger lost an order")]
    [InlineData("ledger not checked")]
    public void A_kill_fails_on_any_broken_promise(string broken)
    {
        List<AnswerTally.Answer> answers = [A(21, RequestClass.Browse, 200)];
        if (broken == "read answered by nginx") answers.Add(A(21, RequestClass.Browse, 502, AnswerOrigin.Proxy, Outcome.Error));
        var connections = broken switch
        {
            "never reshared" => Connections((25, 30, 3), (40, 30, 3)),
            "over budget" => Connections((25, 41, 2)),
            _ => Connections((25, 30, 2)),
        };
        var ledger = broken switch
        {
            "ledger lost an order" => Clean with { LostOrders = 1, Problems = ["1 orders answered to a buyer that the database lost or changed (e.g. order 7)"] },
            "ledger not checked" => null,
            _ => Clean,
        };

        var outcome = ClusterFaultChecks.AfterKill(20, 2, answers, connections, ledger, proxyRetriesPosts: broken == "posts retried");

        Assert.False(outcome.Passed);
    }

    static PoolSample Reads(double at, double standby, double primary) =>
        new(TimeSpan.FromSeconds(at), null, null, null, null, null, null, null) { CatalogReadsStandby = standby, CatalogReadsPrimary = primary };

    [Fact]
    public void A_standby_stop_passes_when_reads_move_to_the_primary_and_nothing_fails()
    {
        IReadOnlyList<AnswerTally.Answer> answers =
        [
            A(40, RequestClass.Browse, 200),
            A(41, RequestClass.Browse, 503, outcome: Outcome.Shed),
            A(50, RequestClass.Product, 200),
        ];
        // Reads still running on the standby when it stopped are counted there within the grace.
        IReadOnlyList<PoolSample> pool = [Reads(38, 500, 10), Reads(39.5, 520, 11), Reads(40.5, 530, 40), Reads(42, 530, 90), Reads(59, 530, 400)];

        var outcome = ClusterFaultChecks.AfterStandbyStop(39, answers, pool, loadEndSeconds: 60);

        Assert.True(outcome.Passed, string.Join("\n", outcome.Findings));
        Assert.Contains(outcome.Findings, f => f.Contains("389 on the primary, 0 on the standby", StringComparison.Ordinal));
        Assert.Contains(outcome.Findings, f => f.Contains("1 shed with 503", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(538, true)]
    [InlineData(530, false)]
    public void Reads_counted_on_the_standby_after_the_stop_pass_only_within_a_reads_deadline(double standbyAt44, bool passes)
    {
        IReadOnlyList<AnswerTally.Answer> answers = [A(40, RequestClass.Browse, 200)];
        // Stopped at 39 s; the standby's count still moves until 44 s (a starved CPU resumed those requests late),
        // or on after 44 s — past the 5 s a read's request may take.
        IReadOnlyList<PoolSample> pool =
        [
            Reads(38, 500, 10), Reads(40, 520, 11), Reads(42, 530, 20), Reads(44, standbyAt44, 30),
            Reads(47, 538, 60), Reads(59, 538, 400),
        ];

        var outcome = ClusterFaultChecks.AfterStandbyStop(39, answers, pool, loadEndSeconds: 60, deadlineSeconds: 5);

        Assert.Equal(passes, outcome.Passed);
        Assert.Contains(outcome.Findings, f => f.Contains("from 5 s after it", StringComparison.Ordinal));
    }

    [Fact]
    public void A_standby_stop_fails_when_a_request_fails_after_it()
    {
        IReadOnlyList<AnswerTally.Answer> answers = [A(45, RequestClass.Browse, 500, outcome: Outcome.Error)];
        IReadOnlyList<PoolSample> pool = [Reads(39.5, 520, 11), Reads(42, 520, 90), Reads(59, 520, 400)];

        var outcome = ClusterFaultChecks.AfterStandbyStop(39, answers, pool, 60);

        Assert.False(outcome.Passed);
        Assert.Contains(outcome.Findings, f => f.Contains("browse 500 ×1", StringComparison.Ordinal));
    }
}
