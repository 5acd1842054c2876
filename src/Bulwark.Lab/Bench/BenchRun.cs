using Bulwark.Lab.Measurement;

namespace Bulwark.Lab.Bench;

/// <summary>
/// One measured run of a bench (a capacity step, an overload step, a cost step, a pgbench run, the
/// flood): what it cost each side in CPU and whether the generator kept up. Invalid runs are listed
/// here with their reason and left out of every median.
/// </summary>
public sealed record BenchRun(
    string Label,
    double Seconds,
    double OfferedRps,
    bool Valid,
    string? Invalid,
    double GeneratorLagP99Ms,
    double SutCpuSeconds,
    double ShopCpuSeconds,
    double PostgresCpuSeconds,
    double LoadCpuSeconds,
    double SutCpuShare,
    double LoadCpuShare)
{
    public static BenchRun From(string label, double seconds, double offeredRps, RunHealth health) => new(
        label, seconds, offeredRps, health.Validity.Valid, health.Validity.Reason, health.LagP99Ms,
        health.Cpu.SutSeconds, health.Cpu.ShopSeconds, health.Cpu.PostgresSeconds, health.Cpu.LoadSeconds, health.Cpu.SutShare, health.Cpu.LoadShare);
}

/// <summary>The CPUs each side ran on; absent from a report when both shared every CPU.</summary>
public sealed record BenchIsolation(string SystemUnderTestCpus, string LoadCpus);

/// <summary>One repeat's cost measurements, in CPU-µs of the system under test per request.</summary>
public sealed record CostRun(
    double PurchaseMicros,
    double PurchasePostgresMicros,
    double BrowseMicros,
    double BrowsePostgresMicros,
    double RefusalMicros,
    double FloodAnswerMicros,
    double FloodOfferedRps,
    double FloodAnsweredRps,
    double FloodRefusedShare,
    double FloodLagP99Ms,
    double FloodLoadCpuShare,
    bool FloodValid,
    double PgbenchCheckoutPostgresMicros);

/// <summary>
/// What a request costs the system under test, in CPU-µs (shop + PostgreSQL): an admitted purchase
/// (checkout-only below capacity), a cached browse (browse-only below capacity), a refusal (the
/// anonymous flood, 429/503), beside PostgreSQL's CPU per transaction when pgbench runs checkout.sql.
/// </summary>
public sealed record CostPerRequest(
    Spread PurchaseMicros,
    Spread PurchasePostgresMicros,
    Spread BrowseMicros,
    Spread BrowsePostgresMicros,
    Spread RefusalMicros,
    Spread FloodAnswerMicros,
    Spread FloodOfferedRps,
    Spread FloodAnsweredRps,
    Spread FloodRefusedShare,
    Spread FloodLagP99Ms,
    Spread FloodLoadCpuShare,
    int FloodInvalidRuns,
    Spread PgbenchCheckoutPostgresMicros,
    Spread PurchaseOverPgbench,
    Spread PurchasePostgresOverPgbench)
{
    public static CostPerRequest Of(IReadOnlyList<CostRun> runs) => new(
        Spread.Of(runs, r => r.PurchaseMicros),
        Spread.Of(runs, r => r.PurchasePostgresMicros),
        Spread.Of(runs, r => r.BrowseMicros),
        Spread.Of(runs, r => r.BrowsePostgresMicros),
        Spread.Of(runs, r => r.RefusalMicros),
        Spread.Of(runs, r => r.FloodAnswerMicros),
        Spread.Of(runs, r => r.FloodOfferedRps),
        Spread.Of(runs, r => r.FloodAnsweredRps),
        Spread.Of(runs, r => r.FloodRefusedShare),
        Spread.Of(runs, r => r.FloodLagP99Ms),
        Spread.Of(runs, r => r.FloodLoadCpuShare),
        runs.Count(r => !r.FloodValid),
        Spread.Of(runs, r => r.PgbenchCheckoutPostgresMicros),
        Spread.Of(runs, r => r.PurchaseMicros / r.PgbenchCheckoutPostgresMicros),
        Spread.Of(runs, r => r.PurchasePostgresMicros / r.PgbenchCheckoutPostgresMicros));

    /// <summary>CPU-µs per request: NaN when nothing was counted (a naive shop refuses nothing).</summary>
    public static double Micros(double cpuSeconds, long requests) => requests > 0 ? cpuSeconds * 1e6 / requests : double.NaN;
}
