using System.Diagnostics;
using System.Text.Json;
using Bulwark.Shop.Tests.Operations;

namespace Bulwark.Shop.Tests.ApiContract;

/// <summary>
/// Redocly CLI, the OpenAPI 3.1 validator pinned in <c>ApiContract/package.json</c> and installed by the test
/// project's build (<c>npm ci</c>). It is a requirement of these tests, not an option: when it is missing the
/// test fails and says how to install it.
/// </summary>
public static class Redocly
{
    private const string Folder = "tests/Bulwark.Shop.Tests/ApiContract";

    public sealed record Problem(string RuleId, string Severity, string Pointer, string Message)
    {
        public override string ToString() => $"{Severity} {RuleId} at {Pointer}: {Message}";
    }

    public sealed record Result(int ExitCode, IReadOnlyList<Problem> Problems, string Output);

    /// <summary>Lints <paramref name="documentPath"/> with the rules of <c>ApiContract/redocly.yaml</c>.</summary>
    public static async Task<Result> LintAsync(string documentPath, CancellationToken cancellationToken)
    {
        var folder = RepositoryFiles.PathOf(Folder);
        var cli = Path.Combine(folder, "node_modules", ".bin", "redocly");
        Assert.True(File.Exists(cli), $"Redocly CLI is not installed at {cli}. The test project's build installs it with npm " +
            $"(needs Node.js and npm: apt-get install npm, as .ci/run does); or run `npm ci` in {Folder}.");

        var start = new ProcessStartInfo(cli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder,
            // Offline and quiet: no usage telemetry, no update check.
            Environment = { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" },
        };
        foreach (var argument in new[] { "lint", documentPath, "--config", Path.Combine(folder, "redocly.yaml"), "--format", "json" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        var report = await output;
        return new Result(process.ExitCode, ProblemsIn(report), report + await errors);
    }

    private static List<Problem> ProblemsIn(string report)
    {
        var json = report.IndexOf('{', StringComparison.Ordinal);
        if (json < 0)
        {
            return [];
        }

        using var document = JsonDocument.Parse(report[json..]);
        return
        [
            .. document.RootElement.GetProperty("problems").EnumerateArray().Select(problem => new Problem(
                problem.GetProperty("ruleId").GetString()!,
                problem.GetProperty("severity").GetString()!,
                problem.GetProperty("location")[0].GetProperty("pointer").GetString()!,
                problem.GetProperty("message").GetString()!)),
        ];
    }
}
