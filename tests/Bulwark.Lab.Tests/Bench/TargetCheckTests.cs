using Bulwark.Lab.Bench;
using Bulwark.Lab.Reports;

namespace Bulwark.Lab.Tests.Bench;

public class TargetCheckTests
{
    static BenchReport Report(long hotOrders, double checkoutRatio, double goodputShare10x, double late10x) =>
        BenchFixtures.Report(hotOrders, checkoutRatio, goodputShare10x, late10x);

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
    public void A_naive_step_without_a_valid_repeat_is_said_not_measured()
    {
        var guarded = BenchFixtures.Guarded();
        var naive = guarded with { Mode = "naive", Overload = [BenchFixtures.Step(5, 0.5, 0, 0) with { GoodputShareOfCapacity = Spread.Of([]) }] };
        var report = BenchFixtures.Report(guarded) with { Modes = new Dictionary<string, BenchMode> { ["guarded"] = guarded, ["naive"] = naive } };

        var measured = TargetCheck.Evaluate(report, []).Single(v => v.Target.StartsWith("Issue 3: 5×", StringComparison.Ordinal)).Measured;

        Assert.EndsWith("; naive: not measured (no valid repeat)", measured);
        Assert.DoesNotContain("NaN", measured);
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
