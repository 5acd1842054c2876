using Bulwark.Lab.Bench;
using Bulwark.Lab.Reports;

namespace Bulwark.Lab.Tests.Bench;

/// <summary>Bench reports with chosen numbers, for the judges and writers that read them.</summary>
static class BenchFixtures
{
    public static Spread S(params double[] runs) => Spread.Of(runs);

    public static OverloadStep Step(double multiplier, double goodputShare, double fastShed, double late) => new(
        multiplier, 60, S(1000), S(goodputShare * 100), S(goodputShare), S(20), S(50), S(3), S(fastShed), S(500), S(0), S(0), S(0), S(late), S(0));

    public static BenchMode Guarded(long hotOrders = 500, double checkoutRatio = 0.6, double goodputShare10x = 0.93, double late10x = 0) => new("guarded",
        new PgbenchCeiling(S(4000), S(800), S(600), [8, 32]),
        new Capacities(S(checkoutRatio * 800), S(5000), S(400), S(checkoutRatio), S(1.25)),
        [Step(5, 0.95, 1, 0), Step(10, goodputShare10x, 0.995, late10x)],
        S(1, 2, 1),
        new HotSkuSummary(S(hotOrders), S(Math.Max(0, hotOrders - 500)), S(1.5), S(4), S(600), S(hotOrders / 1.5), S(10), AllBalanced: true, []),
        [0.5], [], null);

    public static BenchReport Report(long hotOrders, double checkoutRatio, double goodputShare10x, double late10x) =>
        Report(Guarded(hotOrders, checkoutRatio, goodputShare10x, late10x));

    public static BenchReport Report(BenchMode guarded) => new(
        new MachineInfo("Linux", 2, ".NET 10", "1.0"), DateTimeOffset.UnixEpoch, 30, 3,
        new BenchSettings(5, 60, 10, BenchSuite.Multipliers, BenchSuite.LongMultipliers, "mix", 200), "rule",
        new Dictionary<string, BenchMode> { ["guarded"] = guarded },
        []);
}
