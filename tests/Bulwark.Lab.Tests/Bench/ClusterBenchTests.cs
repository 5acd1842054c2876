using System.Text.Json;
using Bulwark.Lab.Bench;
using Bulwark.Lab.Cli;
using Bulwark.Lab.Cluster;
using Bulwark.Lab.Load;
using Bulwark.Lab.Reports;
using Spectre.Console;
using static Bulwark.Lab.Tests.Bench.BenchFixtures;

namespace Bulwark.Lab.Tests.Bench;

/// <summary><c>lab bench --cluster</c>: its options, its step plan, one step's cluster figures and the report written from a fixed result.</summary>
public sealed class ClusterBenchTests
{
    static (LabCommands Commands, System.CommandLine.ParseResult Parse) ParseBench(params string[] args)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(new StringWriter()) });
        var commands = new LabCommands(console, TimeProvider.System);
        var root = commands.Build();
        return (commands, root.Parse(["bench", .. args]));
    }

    [Fact]
    public void Bench_cluster_reads_the_instances_and_keeps_the_step_options()
    {
        var (commands, parse) = ParseBench("--cluster", "--instances", "2", "--repeats", "1", "--step", "3s", "--long-step", "5s");
        Assert.Empty(parse.Errors);

        var choices = commands.ReadBench(parse);

        Assert.Equal(2, choices.ClusterInstances);
        Assert.Equal(1, choices.Repeats);
        Assert.Equal(TimeSpan.FromSeconds(3), choices.StepLength);
        Assert.Equal(TimeSpan.FromSeconds(5), choices.LongStepLength);
    }

    [Fact]
    public void Without_cluster_the_bench_is_the_single_shops_and_instances_default_to_three_with_it()
    {
        var (commands, parse) = ParseBench("--instances", "2");
        Assert.Empty(parse.Errors);
        Assert.Null(commands.ReadBench(parse).ClusterInstances);

        var (withCluster, clusterParse) = ParseBench("--cluster");
        Assert.Equal(ClusterRequest.DefaultInstances, withCluster.ReadBench(clusterParse).ClusterInstances);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("9")]
    public void Instances_outside_one_to_eight_are_refused(string instances)
    {
        var (_, parse) = ParseBench("--cluster", "--instances", instances);

        Assert.Contains(parse.Errors, e => e.Message.Contains("--instances must be between 1 and 8", StringComparison.Ordinal));
    }

    [Fact]
    public void The_cluster_plan_searches_the_mix_capacity_then_runs_one_two_and_five_times_it()
    {
        var plan = BenchPlan.Cluster;

        Assert.Equal([1.0, 2, 5], plan.Multipliers);
        Assert.Equal([5.0], plan.LongMultipliers);
        Assert.False(plan.Ceiling || plan.ClassCapacities || plan.Costs || plan.HotSku);
        Assert.Equal("capacity at SLO of the mix; overload steps 1× (3 s), 2× (3 s), 5× (20 s), the last followed by a calm tail for the recovery",
            plan.Describe(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(20), capacityGiven: false, hotSku: true, aggressive: false));
        Assert.StartsWith("no capacity search (the mix capacity was given with --mix-capacity); overload steps",
            plan.WithGivenCapacity().Describe(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(20), capacityGiven: true, hotSku: false, aggressive: false), StringComparison.Ordinal);
    }

    [Fact]
    public void The_full_plan_is_the_single_shop_bench_as_before()
    {
        Assert.Equal([0.5, 1, 2, 5, 10], BenchPlan.Full.Multipliers);
        Assert.Equal([5.0, 10], BenchPlan.Full.LongMultipliers);
        Assert.Same(BenchPlan.Full.Multipliers, BenchSuite.Multipliers);
        Assert.Contains("pgbench's ceiling; capacity at SLO of checkout, browsing and the mix; the cost runs",
            BenchPlan.Full.Describe(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60), false, hotSku: true, aggressive: true), StringComparison.Ordinal);
    }

    static AnswerTally.Answer A(int? status, AnswerOrigin origin, double at) =>
        new(RequestClass.Browse, status, origin, status is null ? Outcome.Timeout : status == 200 ? Outcome.Success : Outcome.Error, at);

    static ConnectionSample C(double at, int pooled, int direct = 3) =>
        new(at, new Dictionary<string, int> { ["bulwark"] = pooled, [ConnectionSample.DirectSession] = direct, ["walsender"] = 1 }, 3);

    static ClusterStep OneStep() => ClusterStep.From(
        valid: true,
        [new InstanceLoad("http://127.0.0.1:1", 300, 10, 30, 80, 20), new InstanceLoad("http://127.0.0.1:2", 100, 10, 10, 40, 10)],
        ConnectionReport.Of([C(0.2, 4), C(3.5, 12), C(9.6, 44), C(10.4, 7)], budget: 40, serverMaxConnections: 100),
        [A(200, AnswerOrigin.Shop, 1), A(503, AnswerOrigin.Shop, 2), A(502, AnswerOrigin.Proxy, 3), A(504, AnswerOrigin.Proxy, 4), A(502, AnswerOrigin.Proxy, 5), A(null, AnswerOrigin.None, 6)],
        stepSeconds: 10,
        scrapeFailures: 1);

    [Fact]
    public void A_step_on_the_cluster_counts_reads_connections_per_tenth_of_what_was_observed_and_answers_by_origin()
    {
        var step = OneStep();

        Assert.Equal(120, step.CatalogReadsStandby);
        Assert.Equal(30, step.CatalogReadsPrimary);
        Assert.Equal(0.8, step.StandbyShare, 3);
        Assert.Equal(44, step.MaxPooled);
        Assert.Equal(1, step.OverBudget);
        Assert.Equal(47, step.MaxClientBackends);
        Assert.Equal(2, step.WindowSeconds);
        Assert.Equal([4, 12, 0, 0, 44, 7], step.PooledPerWindow);
        Assert.Equal(2, step.ShopAnswers);
        Assert.Equal(3, step.ProxyAnswers);
        Assert.Equal(new Dictionary<string, long> { ["502"] = 2, ["504"] = 1 }, step.ProxyByStatus);
        Assert.Equal(1, step.NoAnswer);
    }

    static BenchReport ClusterReport() => Report(Guarded() with
    {
        Capacity = new Capacities(S(), S(), S(120, 140), S(), S()),
        Overload = [Step(1, 0.98, 1, 0) with { Cluster = [OneStep(), OneStep() with { MaxPooled = 38 }] }],
        Ceiling = null,
        HotSku = null,
        Cluster = new BenchClusterSetup(2, "guarded: through PgBouncer", "deploy/nginx/bulwark.conf", ProxyRetriesPosts: false),
    }) with
    {
        Settings = new BenchSettings(3, 5, 10, BenchPlan.Cluster.Multipliers, BenchPlan.Cluster.LongMultipliers, "mix", ClusterLauncher.MaxConnections),
        Ran = "capacity at SLO of the mix; overload steps 1× (3 s)",
    };

    [Fact]
    public void The_report_sets_each_steps_cluster_figures_beside_the_sweep()
    {
        var md = BenchMarkdown.ClusterBench(ClusterReport());

        Assert.Contains("- Each repeat ran: capacity at SLO of the mix; overload steps 1× (3 s).", md, StringComparison.Ordinal);
        Assert.Contains("- 2 instances, guarded: through PgBouncer; nginx: deploy/nginx/bulwark.conf; nginx may retry a POST: no.", md, StringComparison.Ordinal);
        Assert.Contains("| guarded | 130 (120–140) |", md, StringComparison.Ordinal);
        Assert.Contains("### Overload sweep", md, StringComparison.Ordinal);
        Assert.Contains("| guarded | 1× | 30 / 10 | 120 / 30 | 80 % | 41 (38–44) (40) | 1 of 4 | 4 12 0 0 44 7 | 47 (100) | 2 | 3 (502: 2, 504: 1) | 1 |", md, StringComparison.Ordinal);
        Assert.Contains("Recovery: seconds from the end of the 5× step", md, StringComparison.Ordinal);
        Assert.DoesNotContain("pgbench", md, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lab_docs_writes_the_cluster_bench_into_its_own_section_and_leaves_the_bench_alone()
    {
        var root = Directory.CreateTempSubdirectory("lab-docs-bench-cluster-").FullName;
        try
        {
            var folder = Path.Combine(root, BenchmarksDocument.ClusterBenchFolder);
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(Path.Combine(folder, "summary.json"), JsonSerializer.Serialize(ClusterReport(), SummaryJson.Options));
            var document = Path.Combine(root, "benchmarks.md");
            await File.WriteAllTextAsync(document, "# Benchmarks\n\n<!-- lab:begin bench -->\nthe single shop's bench\n<!-- lab:end bench -->\n");

            await BenchmarksDocument.WriteAsync(root, document, CancellationToken.None);

            var written = await File.ReadAllTextAsync(document);
            Assert.Contains("<!-- lab:begin bench -->\nthe single shop's bench\n<!-- lab:end bench -->", written, StringComparison.Ordinal);
            Assert.Contains("<!-- lab:begin bench-cluster -->\n" + BenchmarksDocument.ClusterBenchHeading, written, StringComparison.Ordinal);
            Assert.Contains("| guarded | 1× | 30 / 10 | 120 / 30 | 80 % |", written, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
