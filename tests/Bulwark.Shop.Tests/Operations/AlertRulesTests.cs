using System.Globalization;
using System.Text.RegularExpressions;
using Bulwark.Shop.Operations.Alerts;

namespace Bulwark.Shop.Tests.Operations;

/// <summary>
/// The dashboard evaluates <see cref="AlertRules"/>; Prometheus evaluates alerts.yml. Both must say the
/// same thing, or an operator sees one state on the page and gets paged for another.
/// </summary>
public sealed partial class AlertRulesTests
{
    private static readonly IReadOnlyDictionary<string, AlertBlock> Yaml = ParseAlerts(RepositoryFiles.Read("deploy/prometheus/alerts.yml"));

    public static TheoryData<string> RuleNames() => [.. AlertRules.All.Select(rule => rule.Name)];

    [Fact]
    public void Alerts_yml_and_the_dashboard_have_the_same_alerts()
    {
        Assert.Equal(AlertRules.All.Select(rule => rule.Name).Order(), Yaml.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void Each_alert_has_the_same_threshold_hold_window_and_severity_in_both(string name)
    {
        var rule = AlertRules.All.Single(rule => rule.Name == name);
        var yaml = Yaml[name];

        var threshold = rule.Threshold.ToString(CultureInfo.InvariantCulture);
        // The same comparison (not one that merely starts alike) against the same number (not one that starts alike).
        Assert.Matches(new Regex($@"(?<![<>=!]){Regex.Escape(rule.Comparison)}(?!=)\s*{Regex.Escape(threshold)}(?![\d.])"), yaml.Expression);
        Assert.Equal(rule.For == TimeSpan.Zero ? null : PromDuration(rule.For), yaml.For);
        Assert.Equal(rule.Severity, yaml.Severity);
        Assert.Equal(rule.RunbookUrl, yaml.RunbookUrl);
        Assert.Equal(rule.Summary, yaml.Summary);
        if (rule.Window is { } window)
        {
            Assert.Contains($"[{PromDuration(window)}]", yaml.Expression, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_checkout_alerts_watch_the_checkout_route_the_dashboard_watches()
    {
        foreach (var name in new[] { "BulwarkCheckoutErrorRate", "BulwarkCheckoutLatencySlo" })
        {
            Assert.Contains($"http_route=\"{AlertRules.CheckoutRoute}\"", Yaml[name].Expression, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_runbook_link_lands_on_a_section_of_the_operations_runbook()
    {
        var anchors = HeadingAnchors(RepositoryFiles.Read("docs/operations.md"));

        foreach (var rule in AlertRules.All)
        {
            Assert.Contains(rule.Anchor, anchors);
        }
    }

    private static string PromDuration(TimeSpan duration) =>
        duration.TotalMinutes is var minutes && minutes == Math.Floor(minutes)
            ? $"{minutes.ToString(CultureInfo.InvariantCulture)}m"
            : $"{duration.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";

    /// <summary>GitHub-style anchors of the Markdown headings: lower case, punctuation dropped, spaces to hyphens.</summary>
    private static HashSet<string> HeadingAnchors(string markdown) =>
        [.. markdown.Split('\n')
            .Where(line => line.StartsWith('#'))
            .Select(line => line.TrimStart('#').Trim().ToLowerInvariant())
            .Select(heading => NotAnchorCharacter().Replace(heading, "").Replace(' ', '-'))];

    private static Dictionary<string, AlertBlock> ParseAlerts(string yaml)
    {
        var alerts = new Dictionary<string, AlertBlock>(StringComparer.Ordinal);
        var blocks = AlertStart().Split(yaml).Skip(1).ToArray(); // [name, body, name, body, ...]
        for (var i = 0; i + 1 < blocks.Length; i += 2)
        {
            var body = blocks[i + 1];
            var expression = ExpressionField().Match(body).Groups[1].Value;
            alerts[blocks[i].Trim()] = new AlertBlock(
                expression,
                Field(body, "for"),
                Field(body, "severity"),
                Field(body, "runbook_url"),
                Field(body, "summary"));
        }

        return alerts;
    }

    private static string? Field(string body, string name)
    {
        var match = Regex.Match(body, $@"^\s*{name}:\s*(.+?)\s*$", RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value.Trim('"') : null;
    }

    private sealed record AlertBlock(string Expression, string? For, string? Severity, string? RunbookUrl, string? Summary);

    [GeneratedRegex(@"^\s*- alert:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex AlertStart();

    // The expression runs from "expr:" to the next key at the rule's own indentation.
    [GeneratedRegex(@"expr:\s*\|?\s*\n?(.*?)\n\s*(?:for|labels):", RegexOptions.Singleline)]
    private static partial Regex ExpressionField();

    [GeneratedRegex(@"[^a-z0-9 \-_]")]
    private static partial Regex NotAnchorCharacter();
}
