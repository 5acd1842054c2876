using Bulwark.Lab.Sale;

namespace Bulwark.Lab.Tests.Sale;

public sealed class SaleMarkdownTests
{
    [Fact]
    public void The_report_shows_each_mode_its_groups_the_poll_cost_and_a_failed_mode_plainly()
    {
        var guarded = new SaleModeResult("guarded", null, 500, 498, 0, true, 1.8, 270, 1100, 0.004, 0.07,
            new BuyerGroup("polite", 1600, 400, 0.25, 1000, 250), new BuyerGroup("aggressive", 400, 100, 0.25, 990, 251),
            500, 1500, 0, 0, [], 0.3, 0.9, 1.1, 9000, 0, 0, 0, 820, 7000, 41.5, 3200, 800, 0, 0, 0.6, "1-minute load 0.4", RowUpdates: 40, CheckoutsRefused: 12);
        var naive = SaleModeResult.NotRun("naive", "shop did not start");
        var report = new SaleReport(new Bulwark.Lab.Reports.MachineInfo("Debian", 2, ".NET 10", "1.0"), DateTimeOffset.UnixEpoch, 3.5, new SalePlan(), "SUT on CPU 0, load on CPU 1",
            [naive, guarded]);

        var markdown = SaleMarkdown.Render(report);

        Assert.Contains("| naive | failed: shop did not start |", markdown);
        Assert.Contains("| guarded | 1-minute load 0.4 | 500 | 0 | yes | 1.8 | 270 | 1100 | 0.25 | 40 (12.5) | 0.4 %; 7.0 % |", markdown);
        Assert.Contains("| 0 | 0 | 12 | 0 | 0 | 0 | 820 |", markdown);
        Assert.Contains("| guarded | aggressive (400) | 100 | 25.0 % | 990 | 251 |", markdown);
        Assert.Contains("| guarded | 7000 | 42 | 3200 |", markdown);
        Assert.Contains("0.30 / 0.90 / 1.10", markdown);
        Assert.DoesNotContain("On the cluster", markdown);
        Assert.Contains("- On the cluster: nginx → 3 shops.", SaleMarkdown.Render(report with { Cluster = "nginx → 3 shops" }));
    }

    [Fact]
    public void Lab_sale_takes_the_cluster_and_its_instances_as_bench_and_incident_do()
    {
        static System.CommandLine.ParseResult Parse(params string[] args)
        {
            var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings { Out = new Spectre.Console.AnsiConsoleOutput(new StringWriter()) });
            return new Bulwark.Lab.Cli.LabCommands(console, TimeProvider.System).Build().Parse(["sale", .. args]);
        }

        Assert.Empty(Parse("--cluster", "--instances", "2", "--modes", "guarded").Errors);
        Assert.Empty(Parse("--cluster").Errors);
        Assert.NotEmpty(Parse("--cluster", "--instances", "9").Errors);
    }
}
