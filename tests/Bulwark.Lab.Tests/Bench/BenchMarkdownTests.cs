using System.Text.Json;
using Bulwark.Lab.Bench;
using Bulwark.Lab.Measurement;
using Bulwark.Lab.Reports;
using static Bulwark.Lab.Tests.Bench.BenchFixtures;

namespace Bulwark.Lab.Tests.Bench;

public class BenchMarkdownTests
{
    static readonly CostRun Repeat = new(
        PurchaseMicros: 4_000, PurchasePostgresMicros: 1_500, BrowseMicros: 300, BrowsePostgresMicros: 20,
        RefusalMicros: 45, FloodAnswerMicros: 44, FloodOfferedRps: 4_000, FloodAnsweredRps: 3_900, FloodRefusedShare: 0.98,
        FloodLagP99Ms: 3, FloodLoadCpuShare: 0.7, FloodValid: true, PgbenchCheckoutPostgresMicros: 1_000);

    static BenchReport Measured() => Report(Guarded() with
    {
        Overload = [Step(10, 0.9, 1, 0) with
        {
            SutCpuShare = S(0.97),
            LoadCpuShare = S(0.55),
            GeneratorLagP99Ms = S(2.5),
            Invalid = ["generator lag p99 12.0 ms > 10 ms"],
        }],
        AggressiveOverload = Step(10, 0.4, 1, 0),
        Costs = CostPerRequest.Of([Repeat, Repeat with { PurchaseMicros = 5_000, RefusalMicros = 55 }]),
        Runs =
        [
            BenchRun.From("mix 10x", 60, 4000, new RunHealth(CpuUsage.Unknown, 12, RunValidity.Judge(12, 0.5))),
            BenchRun.From("checkout at 300/s", 5, 300, new RunHealth(CpuUsage.Unknown, 1, RunValidity.Ok)),
        ],
    }) with
    {
        Isolation = new BenchIsolation("0", "1"),
    };

    [Fact]
    public void Costs_per_request_are_a_table_of_medians_with_ranges_beside_pgbench()
    {
        var md = BenchMarkdown.Bench(Measured());

        Assert.Contains("### Cost per request", md);
        var row = md.Split('\n').Single(l => l.StartsWith("| guarded | 4500 (4000–5000) (1500)", StringComparison.Ordinal));
        Assert.Contains("| 300 (20) | 50 (45–55) | 44 | 1000 | 4.5 (4.0–5.0) | 1.5 |", row);
        Assert.Contains("| 4000 | 3900 |", row);
    }

    [Fact]
    public void The_cpu_split_and_every_invalid_run_are_stated()
    {
        var md = BenchMarkdown.Bench(Measured());

        Assert.Contains("CPU isolation (taskset): shop, PostgreSQL and sandbox on CPU 0; the lab's generator, pgbench and wrk on CPU 1.", md);
        Assert.Contains("- Invalid run (guarded, mix 10x): generator lag p99 12.0 ms > 10 ms; not counted.", md);
        Assert.DoesNotContain("checkout at 300/s", md);
        Assert.Contains("| 97 % | 55 % | 2.5 | 1 |", md);
    }

    [Fact]
    public void Goodput_with_clients_that_retry_at_once_is_a_row_beside_the_polite_one()
    {
        var md = BenchMarkdown.Bench(Measured());

        Assert.Contains("| guarded | 10× | 60 | 1000 | 90 | 0.90 |", md);
        Assert.Contains("| guarded | 10× retrying at once | 60 | 1000 | 40 | 0.40 |", md);
        Assert.Contains("up to 5 times, ignoring Retry-After", md);
    }

    [Fact]
    public void A_report_from_before_cpu_accounting_still_renders()
    {
        var md = BenchMarkdown.Bench(Report(Guarded()));

        Assert.Contains("CPU isolation: none", md);
        Assert.DoesNotContain("### Cost per request", md);
        Assert.Contains("| – | – | – | 0 |", md);   // no SUT CPU, load CPU or lag; no invalid runs
    }

    [Fact]
    public void Summary_json_keeps_costs_runs_and_the_split()
    {
        var json = JsonSerializer.Serialize(Measured(), SummaryJson.Options);
        var read = JsonSerializer.Deserialize<BenchReport>(json, SummaryJson.Options)!;

        Assert.Contains("\"refusalMicros\"", json);
        Assert.Equal("1", read.Isolation!.LoadCpus);
        Assert.Equal(4_500, read.Modes["guarded"].Costs!.PurchaseMicros.Median);
        Assert.False(read.Modes["guarded"].Runs![0].Valid);
        Assert.Equal(BenchMarkdown.Bench(Measured()), BenchMarkdown.Bench(read));
    }

    [Fact]
    public void A_shop_that_refuses_nothing_has_no_price_per_refusal()
    {
        Assert.True(double.IsNaN(CostPerRequest.Micros(1.5, 0)));
        Assert.Equal(500, CostPerRequest.Micros(0.5, 1_000));
    }
}
