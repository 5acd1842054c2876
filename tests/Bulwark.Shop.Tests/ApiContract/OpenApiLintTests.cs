using Bulwark.Shop.ApiContract;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.ApiContract;

[Collection(ShopCollection.Name)]
public sealed class OpenApiLintTests(ShopFixture shop)
{
    private static readonly HashSet<string> OperationalResponses =
        [.. HealthPaths.Probes.Select(probe => probe.Path).Append(HealthPaths.MetricsPath)
            .Select(path => $"#/paths/{path.Replace("/", "~1", StringComparison.Ordinal)}/get/responses")];

    [Fact]
    public async Task The_served_document_passes_Redocly_lint_with_no_error_or_warning()
    {
        using var client = shop.Client();
        var document = await client.GetStringAsync(ServedDocument.Path);
        var file = Path.Combine(Path.GetTempPath(), $"bulwark-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, document);
        try
        {
            var lint = await Redocly.LintAsync(file, CancellationToken.None);
            // The probes and the scrape have no 4xx answer at all: the edge never refuses them and they take no
            // input. That one rule is waived for exactly those operations; every other warning still fails.
            var problems = lint.Problems
                .Where(problem => !(problem.RuleId == "operation-4xx-response" && OperationalResponses.Contains(problem.Pointer))).ToList();

            Assert.True(lint.ExitCode == 0 && problems.Count == 0,
                $"redocly lint (exit {lint.ExitCode}) found {problems.Count} problem(s):\n{string.Join('\n', problems)}\n{(problems.Count == 0 ? lint.Output : "")}");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
