using Bulwark.Lab.Cli;
using Bulwark.Lab.Scenarios;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Lab.Tests.Scenarios;

/// <summary>
/// The lab's smoke scenario end to end, as CI runs it: a throwaway PostgreSQL, the shop as a child
/// process (the build <c>dotnet test</c> just made), accounts, a few seconds of mixed traffic with
/// purchases, the order audit and the report files. Everything must succeed and nothing be oversold.
/// </summary>
[Collection(EndToEnd.Name)]
public class SmokeScenarioTests
{
    [Fact]
    public async Task Smoke_scenario_against_a_fresh_shop_answers_everything_sells_and_oversells_nothing()
    {
        var output = Directory.CreateTempSubdirectory("lab-smoke-").FullName;
        try
        {
            var options = new LabRunOptions
            {
                OutputRoot = output,
                Modes = [ScenarioRunner.Guarded],
                Quiet = QuietPolicy.None,   // other test projects run beside this one; smoke measures nothing
            };
            var runner = new ScenarioRunner(TestBuild.Repo(), options, TimeProvider.System, NullLogger.Instance);
            using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(3));

            var (report, files) = await runner.RunAsync(IncidentCatalog.Smoke, bound.Token);

            var guarded = Assert.Single(report.Modes).Value;
            Assert.Null(guarded.Failure);
            Assert.Equal(0, guarded.Errors);
            Assert.Equal(0, guarded.Timeouts);
            // Light traffic is served, not shed. Not "none at all": this shop shares two cores with the other test
            // assemblies, and when they keep the cores busy the edge's CPU shedding answers a few requests with an
            // honest 503 (twice in full local runs: 15 and 17 requests, browse, product and 2 checkouts; alone and
            // beside four busy processes, none). A guard that sheds light traffic wholesale fails here; which class was
            // shed says which refusal fired (the edge, the gate, the hashing share).
            Assert.True(guarded.Shed <= guarded.Offered / 5,
                $"shed {guarded.Shed} of {guarded.Offered}: {string.Join(", ", guarded.Classes.Where(c => c.Value.Shed > 0).Select(c => $"{c.Key} {c.Value.Shed}"))}");
            Assert.Equal(0, guarded.DroppedByGenerator);
            Assert.True(guarded.OrdersPaid > 0, "no order was paid");
            Assert.Equal(0, guarded.Oversold);
            Assert.True(guarded.Offered > 100, $"only {guarded.Offered} requests were offered");
            Assert.Equal(guarded.Offered, guarded.Completed);
            Assert.True(File.Exists(files.SummaryJson) && File.Exists(files.ReportHtml));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
