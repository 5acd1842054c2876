using System.Diagnostics;
using System.Text.RegularExpressions;
using Bulwark.Lab.Alerting;
using Bulwark.Lab.Orchestration;

namespace Bulwark.Lab.Tests.Alerting;

public class TimeScaledRulesTests
{
    static string AlertsYaml => File.ReadAllText(Path.Combine(RepoLayout.Find().Root, "deploy", "prometheus", "alerts.yml"));

    [Theory]
    [InlineData("5m", 300)]
    [InlineData("1h30m", 5400)]
    [InlineData("90s", 90)]
    [InlineData("1500ms", 1.5)]
    [InlineData("1m30s500ms", 90.5)]
    public void Prometheus_durations_are_read_unit_by_unit(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), PrometheusDuration.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("m")]
    [InlineData("5x")]
    [InlineData("-5m")]
    public void Text_that_is_not_a_duration_is_refused(string text) => Assert.False(PrometheusDuration.TryParse(text, out _));

    /// <summary>How many alerts the shipped file defines: every one must survive the scaling.</summary>
    private static int AlertCount => Regex.Matches(AlertsYaml, @"^\s*- alert: ", RegexOptions.Multiline).Count;

    [Fact]
    public void Every_hold_and_rate_window_is_divided_and_thresholds_stay()
    {
        var rules = TimeScaledRules.Load(AlertsYaml, 10);

        var high = rules.Rules.Single(r => r.Name == "BulwarkPoolUseHigh");
        Assert.Equal((TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(6)), (high.For, high.ScaledFor));
        Assert.Equal("warning", high.Severity);
        var latency = rules.Rules.Single(r => r.Name == "BulwarkCheckoutLatencySlo");
        Assert.Equal(TimeSpan.FromSeconds(30), latency.ScaledFor);
        Assert.Equal(["[5m]"], latency.Windows);
        Assert.Equal(["[30s]"], latency.ScaledWindows);
        Assert.Equal(TimeSpan.Zero, rules.Rules.Single(r => r.Name == "BulwarkConnectionAcquireTimeouts").ScaledFor);

        Assert.DoesNotContain("[5m]", rules.Yaml);
        Assert.Contains("for: 6s", rules.Yaml);
        Assert.Contains(">= 0.8", rules.Yaml);
        Assert.Contains("http_response_status_code=~\"5..\"", rules.Yaml);
        Assert.Equal(AlertCount, rules.Rules.Count);
    }

    [Fact]
    public void Brackets_inside_string_literals_are_not_ranges()
    {
        var scaled = TimeScaledRules.ScaleRanges("rate(x{path=\"/a[5m]\", q='[1h]'}[5m]) + max_over_time(y[10m:1m])", 10);

        Assert.Equal("rate(x{path=\"/a[5m]\", q='[1h]'}[30s]) + max_over_time(y[1m:6s])", scaled);
    }

    [Fact]
    public void A_window_is_never_scaled_below_a_few_scrapes()
    {
        Assert.Equal("rate(x[4s])", TimeScaledRules.ScaleRanges("rate(x[30s])", 60));
    }

    [Fact]
    public async Task The_scaled_file_passes_promtool_check_rules()
    {
        var directory = Directory.CreateTempSubdirectory("bulwark-rules-").FullName;
        try
        {
            var path = Path.Combine(directory, "alerts.lab.yml");
            await File.WriteAllTextAsync(path, TimeScaledRules.Load(AlertsYaml, 10).Yaml);

            using var promtool = Process.Start(new ProcessStartInfo("promtool", ["check", "rules", path])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var output = await promtool.StandardOutput.ReadToEndAsync() + await promtool.StandardError.ReadToEndAsync();
            await promtool.WaitForExitAsync();

            Assert.True(promtool.ExitCode == 0, output);
            Assert.Contains($"SUCCESS: {AlertCount} rules found", output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
