using Bulwark.Lab.Bench;
using Bulwark.Lab.Reports;

namespace Bulwark.Lab.Tests.Bench;

public class TargetCheckTests
{
    static Spread S(params double[] runs) => Spread.Of(runs);

    static OverloadStep Step(double multiplier, double goodputShare, double fastShed, double late) => new(
        multiplier, 60, S(1000), S(goodputShare * 100), S(goodputShare), S(20), S(50), S(3), S(fastShed), S(500), S(0), S(0), S(0), S(late), S(0));

    static BenchReport Report(long hotOrders, double checkoutRatio, double goodputShare10x, double late10x) => new(
        new MachineInfo("Linux", 2, ".NET 10", "1.0"), DateTimeOffset.UnixEpoch, 30, 3,
        new BenchSettings(5, 60, 10, BenchSuite.Multipliers, BenchSuite.LongMultipliers, "mix", 200), "rule",
        new Dictionary<string, BenchMode>
        {
            ["guarded"] = new("guarded",
                new PgbenchCeiling(S(4000), S(800), S(600), [8, 32]),
                new Capacities(S(checkoutRatio * 800), S(5000), S(400), S(checkoutRatio), S(1.25)),
                [Step(5, 0.95, 1, 0), Step(10, goodputShare10x, 0.995, late10x)],
                S(1, 2, 1),
                new HotSkuSummary(S(hotOrders), S(Math.Max(0, hotOrders - 500)), S(1.5), S(4), S(600), S(hotOrders / 1.5), S(10), AllBalanced: true, []),
                [0.5], [], null),
        },
        []);

    static string VerdictOf(IReadOnlyList<TargetVerdict> verdicts, string startsWith) =>
        verdicts.Single(v => v.Target.StartsWith(startsWith, StringComparison.Ordinal)).Met switch { true => "met", false => "missed", null => "unknown" };

    [Fact]
    public void A_bench_that_meets_every_target_is_judged_met_everywhere()
    {
        var verdicts = TargetCheck.Evaluate(Report(hotOrders: 500, checkoutRatio: 0.6, goodputShare10x: 0.93, late10x: 0), []);

        Assert.Equal("met", VerdictOf(verdicts, "Checkout capacity"));
        Assert.Equal("met", VerdictOf(verdicts, "Category browsing"));
        Assert.Equal("met", VerdictOf(verdicts, "10×"));
        Assert.Equal("met", VerdictOf(verdicts, "Issue 3: 5×"));
        Assert.Equal("met", VerdictOf(verdicts, "Hot SKU"));
        Assert.Equal("met", VerdictOf(verdicts, "After the spike"));
    }

    [Fact]
    public void One_order_too_many_a_late_answer_or_a_low_ratio_is_a_miss()
    {
        var verdicts = TargetCheck.Evaluate(Report(hotOrders: 501, checkoutRatio: 0.4, goodputShare10x: 0.95, late10x: 1), []);

        Assert.Equal("missed", VerdictOf(verdicts, "Hot SKU"));
        Assert.Equal("missed", VerdictOf(verdicts, "Checkout capacity"));
        Assert.Equal("missed", VerdictOf(verdicts, "10×"));
    }

    [Fact]
    public void Without_results_every_target_is_not_measured_rather_than_met()
    {
        Assert.All(TargetCheck.Evaluate(null, []), v => Assert.Null(v.Met));
    }

    [Fact]
    public void Incident_checkout_share_is_capped_by_what_the_shop_could_serve_at_slo()
    {
        var report = ModeReportBuilder.Build(Bulwark.Lab.Tests.Reports.ReportFixtures.Guarded());
        var checkout = report.Classes["checkout"];

        var uncapped = TargetCheck.CheckoutShare(report, 10, capacityRps: null);
        var capped = TargetCheck.CheckoutShare(report, 10, capacityRps: 1);

        Assert.Equal(checkout.Goodput / (double)checkout.Offered, uncapped);
        var servable = report.Series.CheckoutOfferedRps!.Sum(offered => Math.Min(offered, 1));
        Assert.Equal(10, servable);     // 3 offered a second for 10 s, 1 a second servable
        Assert.Equal(checkout.Goodput / servable, capped);
    }
}
