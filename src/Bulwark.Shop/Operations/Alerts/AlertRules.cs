using Bulwark.Shop.Operations.Dashboard;

namespace Bulwark.Shop.Operations.Alerts;

/// <summary>
/// The alert thresholds, in one place. <c>deploy/prometheus/alerts.yml</c> states the same rules in PromQL
/// and a test holds the two to the same numbers; the dashboard evaluates these over its own samples.
/// </summary>
public static class AlertRules
{
    /// <summary>Incident 3 asked for an alert at 80% pool use: time to act before the pool is gone.</summary>
    public const double PoolUseWarning = 0.8;

    /// <summary>At 95% the next surge queues: page someone.</summary>
    public const double PoolUseCritical = 0.95;

    public static readonly TimeSpan PoolUseFor = TimeSpan.FromMinutes(1);

    /// <summary>Short waits are the gate doing its job; two minutes of waiting means the limit is too low for the load.</summary>
    public static readonly TimeSpan WaitersFor = TimeSpan.FromMinutes(2);

    /// <summary>Checkout fails more than one request in a hundred.</summary>
    public const double CheckoutErrorRatio = 0.01;

    public static readonly TimeSpan CheckoutErrorFor = TimeSpan.FromMinutes(2);

    /// <summary>Checkout's latency objective, p99 in seconds.</summary>
    public const double CheckoutP99Slo = 0.2;

    public static readonly TimeSpan CheckoutLatencyFor = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan NotReadyFor = TimeSpan.FromMinutes(1);

    /// <summary>The range over which counters are turned into increases and ratios.</summary>
    public static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(5);

    public const string CheckoutRoute = "/api/checkout";

    public static IReadOnlyList<AlertRule> All { get; } =
    [
        new("BulwarkPoolUseHigh", "warning", ">=", PoolUseWarning, PoolUseFor, null, "pool-use-high",
            "Database pool use at or above 80% of the gate's limit",
            (history, i) => history[i].Pool.Use),
        new("BulwarkPoolUseCritical", "critical", ">=", PoolUseCritical, PoolUseFor, null, "pool-use-critical",
            "Database pool use at or above 95% of the gate's limit",
            (history, i) => history[i].Pool.Use),
        new("BulwarkConnectionWaiters", "warning", ">", 0, WaitersFor, null, "connection-waiters",
            "Requests have been waiting for a database connection for 2 minutes",
            (history, i) => history[i].Waiters.Total),
        new("BulwarkConnectionAcquireTimeouts", "critical", ">", 0, TimeSpan.Zero, RateWindow, "connection-acquire-timeouts",
            "Requests timed out waiting for a database connection",
            (history, i) => Increase(history, i, sample => sample.Totals.AcquireTimeouts)),
        new("BulwarkCriticalRequestsRefused", "critical", ">", 0, TimeSpan.Zero, RateWindow, "critical-requests-refused",
            "Checkout or payment settlement work was refused by the gate",
            (history, i) => Increase(history, i, sample => sample.Totals.CriticalRefused)),
        new("BulwarkCheckoutErrorRate", "critical", ">", CheckoutErrorRatio, CheckoutErrorFor, RateWindow, "checkout-error-rate",
            "More than 1% of checkouts fail with a server error",
            CheckoutErrorRate),
        new("BulwarkCheckoutLatencySlo", "warning", ">", CheckoutP99Slo, CheckoutLatencyFor, RateWindow, "checkout-latency-slo",
            "Checkout p99 latency is over its 200 ms objective",
            CheckoutP99),
        new("BulwarkInstanceNotReady", "critical", "==", 0, NotReadyFor, null, "instance-not-ready",
            "A shop instance is not ready to serve",
            (history, i) => history[i].Ready ? 1 : 0),
    ];

    /// <summary>The sample the window ending at sample <paramref name="i"/> starts from (the oldest within it).</summary>
    public static int WindowStart(IReadOnlyList<OpsSample> history, int i)
    {
        var from = history[i].At - RateWindow;
        int low = 0, high = i;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (history[middle].At < from)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private static double Increase(IReadOnlyList<OpsSample> history, int i, Func<OpsSample, double> total)
    {
        var (now, before) = (total(history[i]), total(history[WindowStart(history, i)]));
        return now >= before ? now - before : now;
    }

    private static double? CheckoutErrorRate(IReadOnlyList<OpsSample> history, int i)
    {
        var requests = Increase(history, i, sample => sample.Totals.CheckoutRequests);
        return requests > 0 ? Increase(history, i, sample => sample.Totals.CheckoutErrors) / requests : null;
    }

    private static double? CheckoutP99(IReadOnlyList<OpsSample> history, int i) =>
        history[i].Totals.CheckoutLatency?.Since(history[WindowStart(history, i)].Totals.CheckoutLatency).Quantile(0.99);
}
