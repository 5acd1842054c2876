using Bulwark.Lab.Chaos;
using Bulwark.Lab.Cli;
using Bulwark.Lab.Scenarios;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Lab.Tests.Chaos;

/// <summary>
/// <c>lab chaos</c> end to end with one short fault, as the lab runs it: PostgreSQL, the payment sandbox and
/// the shop (the builds <c>dotnet test</c> just made) as processes, the storefront load, a database crash,
/// the reconciler, the ledger check and the summary files.
/// </summary>
[Collection(EndToEnd.Name)]
public class ChaosSmokeTests
{
    [Fact]
    public async Task A_short_database_crash_under_load_is_refused_with_503s_recovered_from_and_the_ledger_balances()
    {
        var output = Directory.CreateTempSubdirectory("lab-chaos-").FullName;
        try
        {
            var options = new LabRunOptions { OutputRoot = output, Quiet = QuietPolicy.None };
            var choices = new ChaosChoices([ChaosFault.DatabaseCrash], Before: TimeSpan.FromSeconds(3), After: TimeSpan.FromSeconds(8), FaultLength: TimeSpan.FromSeconds(2));
            using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(4));

            var (report, directory) = await new ChaosRunner(TestBuild.Repo(), options, choices, TimeProvider.System, NullLogger.Instance).RunAsync(bound.Token);

            var crash = Assert.Single(report.Faults);
            Assert.Null(crash.Failure);
            Assert.True(crash.Ledger!.Passed, string.Join("; ", crash.Ledger.Problems));
            Assert.True(crash.Ledger.Paid > 0, "nothing was bought");
            Assert.True(crash.Load!.CheckoutStatuses.ContainsKey("503"), "no checkout was refused while PostgreSQL was down");
            Assert.DoesNotContain(crash.Load.Statuses.Keys, status => status.StartsWith('5') && status != "503");
            Assert.NotNull(crash.Load.Recovery.ReadySeconds);
            Assert.NotNull(crash.Load.Recovery.PurchaseSeconds);
            Assert.True(File.Exists(Path.Combine(directory, "summary.json")) && File.Exists(Path.Combine(directory, "summary.md")));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
