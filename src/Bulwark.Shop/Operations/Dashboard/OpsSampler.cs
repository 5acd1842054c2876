using Bulwark.Shop.Operations.Metrics;

namespace Bulwark.Shop.Operations.Dashboard;

/// <summary>
/// Once a second: collects the metrics and keeps the sample in the ten-minute history. The dashboard only
/// reads what this wrote, so any number of viewers cost nothing extra.
/// </summary>
public sealed class OpsSampler(DashboardMetrics metrics, OpsSampleReader reader, SampleHistory history, ShopTelemetry telemetry,
    TimeProvider clock, ILogger<OpsSampler> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private OpsSampleReader.Totals? _previous;

    /// <summary>Takes one sample now; the timer calls this every <see cref="Interval"/>.</summary>
    public void SampleOnce()
    {
        // Whole milliseconds: the page asks for samples after the last one it has, in milliseconds.
        var now = DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds());
        var (sample, totals) = reader.Read(metrics.Collect(), _previous, now, telemetry.Ready);
        _previous = totals;
        history.Add(sample);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                SampleOnce();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A broken instrument callback must not stop the dashboard; the next second tries again.
                logger.LogWarning(exception, "Could not take a dashboard sample");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
