using System.Text.Json;
using System.Text.RegularExpressions;
using Bulwark.Lab.Reports;

namespace Bulwark.Lab.Tests.Reports;

public class ReportWriterTests
{
    static readonly string[] ComparedFields = ["goodputRps", "p99Ms", "errors", "shed", "timeouts", "slowerThanDeadline", "ordersPaid", "oversold"];

    [Fact]
    public void Summary_json_is_scenario_plus_naive_and_guarded_modes_with_every_compared_field()
    {
        using var json = JsonDocument.Parse(SummaryJson.Serialize(ReportFixtures.Report()));
        var root = json.RootElement;

        Assert.Equal(["scenario", "modes"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("incident-1", root.GetProperty("scenario").GetProperty("name").GetString());
        var modes = root.GetProperty("modes");
        Assert.Equal(["naive", "guarded"], modes.EnumerateObject().Select(p => p.Name));
        foreach (var mode in modes.EnumerateObject())
            foreach (var field in ComparedFields)
                Assert.Equal(JsonValueKind.Number, mode.Value.GetProperty(field).ValueKind);
    }

    [Fact]
    public void Summary_json_carries_the_measured_numbers()
    {
        using var json = JsonDocument.Parse(SummaryJson.Serialize(ReportFixtures.Report()));
        var naive = json.RootElement.GetProperty("modes").GetProperty("naive");
        var guarded = json.RootElement.GetProperty("modes").GetProperty("guarded");

        Assert.Equal(7, naive.GetProperty("errors").GetInt64());
        Assert.Equal(3, naive.GetProperty("timeouts").GetInt64());
        Assert.Equal(7, naive.GetProperty("slowerThanDeadline").GetInt64());      // the 2.5 s errors; timeouts are counted apart
        Assert.Equal(2.0, naive.GetProperty("goodputRps").GetDouble(), 6);      // 20 fast checkouts in 10 s; slow browses are not goodput
        Assert.Equal(12, naive.GetProperty("ordersPaid").GetInt64());
        Assert.Equal(0, naive.GetProperty("oversold").GetInt64());
        Assert.Equal(30, guarded.GetProperty("shed").GetInt64());
        Assert.Equal(12.0, guarded.GetProperty("goodputRps").GetDouble(), 6);
        Assert.Equal(2, guarded.GetProperty("oversold").GetInt64());            // 52 units of a product that had 50
        Assert.InRange(guarded.GetProperty("p99Ms").GetDouble(), 80, 81);
        Assert.Equal(11, guarded.GetProperty("series").GetProperty("second").GetArrayLength());
    }

    [Fact]
    public void Summary_json_reads_back_into_the_same_report()
    {
        var report = ReportFixtures.Report();
        var back = SummaryJson.Deserialize(SummaryJson.Serialize(report));

        Assert.NotNull(back);
        Assert.Equal(report.Scenario.Name, back.Scenario.Name);
        Assert.Equal(report.Modes["guarded"].Shed, back.Modes["guarded"].Shed);
        Assert.Equal(report.Modes["naive"].Series.PoolUsed, back.Modes["naive"].Series.PoolUsed);
    }

    [Fact]
    public void Markdown_puts_the_modes_side_by_side()
    {
        var md = MarkdownSummary.Render(ReportFixtures.Report());

        Assert.Contains("|  | naive | guarded |", md);
        Assert.Contains("| errors | 7 | 0 |", md);
        Assert.Contains("| shed (503) | 0 | 30 |", md);
        Assert.Contains("| orders paid | 12 | 20 |", md);
        Assert.Contains("| oversold units | 0 | 2 |", md);
        Assert.Matches(@"\| checkout \| guarded \| 50 \| 20 \| 30 \|", md);
        Assert.Contains("PUT /api/admin/config floor=1 ceiling=2", md);
    }

    [Fact]
    public void Markdown_lists_the_alerts_that_fired_when_and_how_long_after_the_trigger_side_by_side()
    {
        var md = MarkdownSummary.Render(ReportFixtures.Report());

        Assert.Contains("## Alerts that fired", md);
        Assert.Contains("Prometheus 2.42.0, Alertmanager 0.25.0", md);
        Assert.Contains("rule times divided by 10", md);
        Assert.Contains("- **naive** (trigger at 5 s): BulwarkConnectionAcquireTimeouts fired 2 s into the run (3 s before the trigger); BulwarkPoolUseHigh fired 7 s into the run (2 s after the trigger)", md);
        Assert.Contains("- **guarded** (trigger at 5 s): no alert fired", md);
        Assert.Matches(@"\| BulwarkPoolUseHigh \| warning \| [^|]+ \| fired at 7 s \(2 s after the trigger\), webhook at 7.4 s, firing 3 s \| never \(pending at the end\) \|", md);
    }

    [Fact]
    public void Html_shows_each_alert_per_mode()
    {
        var html = HtmlReport.Render(ReportFixtures.Report());

        Assert.Contains("<h2>Alerts</h2>", html);
        Assert.Contains("<td class=\"fired\">fired at 7 s (2 s after the trigger), webhook at 7.4 s, firing 3 s</td>", html);
        Assert.Contains("<td>never (pending at the end)</td>", html);
    }

    [Fact]
    public void Html_is_self_contained_with_charts_of_throughput_latency_pool_and_shedding()
    {
        var html = HtmlReport.Render(ReportFixtures.Report());

        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotMatch(new Regex("(src|href)=\"https?:"), html);
        Assert.True(Regex.Matches(html, "<svg ").Count >= 6, "expected at least six charts");
        foreach (var chart in new[] { "Goodput", "p99 latency", "Pool connections in use", "Shed (503)" })
            Assert.Contains(chart, html);
        Assert.Contains("data-series=\"naive\"", html);
        Assert.Contains("data-series=\"guarded\"", html);
        Assert.Contains("data-series=\"guarded limit\"", html);
    }

    [Fact]
    public void Html_escapes_text_from_the_scenario()
    {
        var html = HtmlReport.Render(ReportFixtures.Report(title: "<script>alert(1)</script>"));

        Assert.DoesNotContain("<script>alert", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
    }

    [Fact]
    public void A_missing_sample_breaks_the_line_instead_of_drawing_a_zero()
    {
        var svg = SvgLineChart.Render("t", "y", [new ChartLine("a", "#000", [1, 2, null, 3, 4])]);

        var path = Regex.Match(svg, "<path d=\"([^\"]+)\"").Groups[1].Value;
        Assert.Equal(2, path.Count(c => c == 'M'));
        Assert.Equal(2, path.Count(c => c == 'L'));
    }

    [Theory]
    [InlineData(0.7, 1)]
    [InlineData(1.3, 2)]
    [InlineData(3, 5)]
    [InlineData(7, 10)]
    [InlineData(230, 500)]
    public void Chart_steps_are_one_two_or_five_times_a_power_of_ten(double rough, double expected) =>
        Assert.Equal(expected, SvgLineChart.NiceStep(rough), 9);

    [Fact]
    public async Task The_writer_puts_three_files_in_a_folder_named_for_the_scenario()
    {
        var root = Path.Combine(Path.GetTempPath(), "bulwark-lab-tests-" + Guid.NewGuid().ToString("N"));
        try
        {
            var written = await ReportWriter.WriteAsync(ReportFixtures.Report(), root, CancellationToken.None);

            Assert.Equal(Path.Combine(root, "incident-1"), written.Directory);
            Assert.True(File.Exists(Path.Combine(root, "incident-1", "summary.json")));
            Assert.True(File.Exists(Path.Combine(root, "incident-1", "summary.md")));
            Assert.True(File.Exists(Path.Combine(root, "incident-1", "report.html")));
            Assert.Contains("\"modes\"", await File.ReadAllTextAsync(written.SummaryJson));
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("incident-1", "incident-1")]
    [InlineData("../../etc", "etc")]
    [InlineData("bench run/2", "bench-run-2")]
    public void Scenario_names_become_safe_folder_names(string name, string folder) =>
        Assert.Equal(folder, ReportWriter.SafeName(name));
}
