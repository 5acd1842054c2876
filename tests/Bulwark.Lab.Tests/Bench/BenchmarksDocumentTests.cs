using Bulwark.Lab.Bench;

namespace Bulwark.Lab.Tests.Bench;

public class BenchmarksDocumentTests
{
    [Fact]
    public void Rewriting_replaces_only_the_labs_sections_and_keeps_peoples_text()
    {
        const string existing = """
            # Benchmarks

            Hand-written introduction.

            <!-- lab:begin targets -->
            old table 12 ms
            <!-- lab:end targets -->

            ## Why a target is missed
            The analysis people wrote.

            """;

        var written = BenchmarksDocument.Render(existing, [("targets", "new table 34 ms\n")]);

        Assert.Contains("Hand-written introduction.", written);
        Assert.Contains("The analysis people wrote.", written);
        Assert.Contains("<!-- lab:begin targets -->\nnew table 34 ms\n<!-- lab:end targets -->", written);
        Assert.DoesNotContain("old table", written);
        Assert.True(written.IndexOf("new table", StringComparison.Ordinal) < written.IndexOf("Why a target is missed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_section_without_markers_is_appended_and_a_second_run_changes_nothing_more()
    {
        var once = BenchmarksDocument.Render("# Benchmarks\n", [("bench", "numbers")]);
        var twice = BenchmarksDocument.Render(once, [("bench", "numbers")]);

        Assert.EndsWith("<!-- lab:begin bench -->\nnumbers\n<!-- lab:end bench -->\n", once);
        Assert.StartsWith("# Benchmarks\n", once);
        Assert.Equal(once, twice);
    }

    [Fact]
    public async Task Results_are_read_from_the_labs_folders_and_missing_ones_say_what_to_run()
    {
        var root = Directory.CreateTempSubdirectory("lab-docs-").FullName;
        try
        {
            var results = await BenchmarksDocument.ReadAsync(root, CancellationToken.None);
            var sections = BenchmarksDocument.Sections(results);

            Assert.Null(results.Bench);
            Assert.Empty(results.Incidents);
            Assert.Equal(["targets", "baseline", "bench", "incidents", "chaos", "sale", "cluster", "bench-cluster"], sections.Select(s => s.Name));
            Assert.Contains("lab incident 5 --cluster", sections.Single(s => s.Name == "cluster").Content);
            Assert.Contains("lab sale", sections.Single(s => s.Name == "sale").Content);
            Assert.Contains("lab chaos", sections.Single(s => s.Name == "chaos").Content);
            Assert.Contains("lab baseline", sections.Single(s => s.Name == "baseline").Content);
            Assert.Contains("not measured", sections.Single(s => s.Name == "targets").Content);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Writing_from_results_that_lack_a_section_keeps_its_measured_numbers_and_adds_the_new_section()
    {
        var root = Directory.CreateTempSubdirectory("lab-docs-").FullName;
        try
        {
            var document = Path.Combine(root, "benchmarks.md");
            await File.WriteAllTextAsync(document, "# Benchmarks\n\n<!-- lab:begin bench -->\nmeasured 34 req/s\n<!-- lab:end bench -->\n");

            await BenchmarksDocument.WriteAsync(Path.Combine(root, "results"), document, CancellationToken.None);

            var written = await File.ReadAllTextAsync(document);
            Assert.Contains("<!-- lab:begin bench -->\nmeasured 34 req/s\n<!-- lab:end bench -->", written);
            Assert.Contains("<!-- lab:begin chaos -->\n## Faults under load (issue 10)\n\nNot measured yet: run `lab chaos`.", written);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
