namespace Bulwark.Lab.Reports;

/// <summary>Writes a scenario's three files into <c>&lt;out&gt;/&lt;scenario name&gt;/</c>.</summary>
public static class ReportWriter
{
    public sealed record Written(string Directory, string SummaryJson, string SummaryMarkdown, string ReportHtml);

    public static async Task<Written> WriteAsync(ScenarioReport report, string outputRoot, CancellationToken ct)
    {
        var directory = Path.Combine(outputRoot, SafeName(report.Scenario.Name));
        Directory.CreateDirectory(directory);
        var written = new Written(
            directory,
            Path.Combine(directory, "summary.json"),
            Path.Combine(directory, "summary.md"),
            Path.Combine(directory, "report.html"));

        await File.WriteAllTextAsync(written.SummaryJson, SummaryJson.Serialize(report), ct);
        await File.WriteAllTextAsync(written.SummaryMarkdown, MarkdownSummary.Render(report), ct);
        await File.WriteAllTextAsync(written.ReportHtml, HtmlReport.Render(report), ct);
        return written;
    }

    /// <summary>A scenario name is used as a folder name: keep it to characters every file system accepts.</summary>
    internal static string SafeName(string name)
    {
        var safe = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')]).Trim('.', '-');
        return safe.Length == 0 ? "run" : safe;
    }
}
