using System.Text.RegularExpressions;

namespace Bulwark.Shop.Tests.Operations;

/// <summary>deploy/prometheus checked by promtool: the rule unit tests in alerts.test.yml, and the configuration.</summary>
public sealed class PrometheusRulesTests
{
    [Fact]
    public async Task Every_alert_fires_on_its_series_and_stays_quiet_on_normal_traffic()
    {
        var result = await Promtool.RunAsync(null, "test", "rules", RepositoryFiles.PathOf("deploy/prometheus/alerts.test.yml"));

        Assert.True(result.ExitCode == 0, $"promtool test rules failed:\n{result.Output}");
        Assert.Contains("SUCCESS", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_alert_tests_cover_every_alert_firing_and_staying_quiet()
    {
        var tests = RepositoryFiles.Read("deploy/prometheus/alerts.test.yml");
        var normal = tests[..tests.IndexOf("- name: pool use at 90%", StringComparison.Ordinal)];

        Assert.NotEmpty(AlertNames);
        foreach (var name in AlertNames)
        {
            Assert.Contains($"alertname: {name}, exp_alerts: [] }}", normal, StringComparison.Ordinal);
            Assert.Matches($@"alertname: {name}\s*\n\s*exp_alerts:\s*\n\s*- exp_labels", tests);
        }
    }

    [Fact]
    public async Task The_scrape_configuration_and_rule_files_are_valid()
    {
        var config = await Promtool.RunAsync(null, "check", "config", RepositoryFiles.PathOf("deploy/prometheus/prometheus.yml"));
        var rules = await Promtool.RunAsync(null, "check", "rules", RepositoryFiles.PathOf("deploy/prometheus/alerts.yml"));

        Assert.True(config.ExitCode == 0, $"promtool check config failed:\n{config.Output}");
        Assert.True(rules.ExitCode == 0, $"promtool check rules failed:\n{rules.Output}");
        Assert.Contains($"SUCCESS: {AlertNames.Count} rules found", rules.Output, StringComparison.Ordinal);
    }

    /// <summary>The alerts <c>deploy/prometheus/alerts.yml</c> defines (it holds alerting rules only).</summary>
    private static IReadOnlyList<string> AlertNames { get; } =
        [.. Regex.Matches(RepositoryFiles.Read("deploy/prometheus/alerts.yml"), @"^\s*- alert: (\S+)\s*$", RegexOptions.Multiline)
            .Select(match => match.Groups[1].Value)];
}
