using Bulwark.Lab.Reports;

namespace Bulwark.Lab.Sale;

/// <summary>What <c>lab sale</c> ran: the sale and its crowd.</summary>
public sealed record SalePlan
{
    /// <summary>Units on sale (the whole stock of the product).</summary>
    public int Units { get; init; } = 500;

    /// <summary>Buyers, arriving uniformly in the <see cref="Spread"/> before and after the sale opens.</summary>
    public int Buyers { get; init; } = 2_000;

    public TimeSpan Spread { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Share of buyers who poll and retry every 100 ms, ignoring what the shop asks.</summary>
    public double AggressiveShare { get; init; } = 0.2;

    /// <summary>Ordinary storefront traffic (category pages) during the whole run.</summary>
    public double StorefrontRps { get; init; } = 40;

    /// <summary>How long after the sale opens a buyer still waiting or retrying gives up.</summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The poll-cost step: closed-loop polls of existing tickets for this long.</summary>
    public TimeSpan PollFlood { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>One mode's sale, as measured.</summary>
/// <param name="OutOfOrderShare">Units bought by buyers not among the first as many in the shop's order of joining (ticket sequences).</param>
/// <param name="OutOfOrderShareByLabClock">The same by when the lab saw each join answered: an upper bound blurred by the answers' own latency.</param>
/// <param name="RowUpdates">Transactions that took the sale's units from the product's row (<see cref="Bench.SaleAudit.ReservingTransactions"/>).</param>
/// <param name="CheckoutsRefused">Checkouts answered 503 (out of time, busy): in the guarded mode, buyers whose turn had come.</param>
public sealed record SaleModeResult(
    string Mode,
    string? Failure,
    long Orders,
    long PaidOrders,
    long Oversold,
    bool Balanced,
    double SellOutAfterOpenSeconds,
    double OrdersPerSecond,
    double PgbenchSingleRowTps,
    double OutOfOrderShare,
    double OutOfOrderShareByLabClock,
    BuyerGroup? Polite,
    BuyerGroup? Aggressive,
    long Bought,
    long ToldSoldOut,
    long GaveUp,
    long Failed,
    IReadOnlyList<string> Failures,
    double SoldOutDelayP50Seconds,
    double SoldOutDelayP99Seconds,
    double SoldOutDelayMaxSeconds,
    long Exchanges,
    long ServerErrors,
    long Timeouts,
    long OverDeadline,
    double SlowestMs,
    long Polls,
    double PollCpuMicros,
    double PollsPerSecond,
    long StorefrontRequests,
    long StorefrontServerErrors,
    long StorefrontOverDeadline,
    double SutCpuShare,
    string Load,
    long RowUpdates = 0,
    long CheckoutsRefused = 0)
{
    public static SaleModeResult NotRun(string mode, string failure) => new(mode, failure, 0, 0, 0, false, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN,
        null, null, 0, 0, 0, 0, [], double.NaN, double.NaN, double.NaN, 0, 0, 0, 0, double.NaN, 0, double.NaN, double.NaN, 0, 0, 0, double.NaN, "");
}

/// <summary><c>lab sale</c>'s <c>summary.json</c>.</summary>
/// <param name="Cluster">Where the shops ran when not one shop: the cluster's shape (<c>lab sale --cluster</c>); null for one shop.</param>
public sealed record SaleReport(MachineInfo Machine, DateTimeOffset StartedAt, double Minutes, SalePlan Plan, string? Isolation, IReadOnlyList<SaleModeResult> Modes,
    string? Cluster = null)
{
    public const string Folder = "sale";

    /// <summary>The cluster's run, apart from the one-shop run that <c>lab docs</c> publishes.</summary>
    public const string ClusterFolder = "sale-cluster";
}
