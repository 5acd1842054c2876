using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.ApiContract;

[Collection(ShopCollection.Name)]
public sealed class OpenApiLintTests(ShopFixture shop)
{
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

            Assert.True(lint.ExitCode == 0 && lint.Problems.Count == 0,
                $"redocly lint (exit {lint.ExitCode}) found {lint.Problems.Count} problem(s):\n{string.Join('\n', lint.Problems)}\n{(lint.Problems.Count == 0 ? lint.Output : "")}");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
