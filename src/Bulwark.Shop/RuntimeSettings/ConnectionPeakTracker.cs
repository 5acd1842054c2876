using Bulwark.Guard.DependencyInjection;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Telemetry;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.RuntimeSettings;

/// <summary>
/// Remembers, second by second, the most connections this instance's gate had in use, for the last 15
/// minutes: the measured load a new ceiling must still carry. Sampled four times a second; a burst shorter
/// than that can slip between samples, which errs on the side of accepting a change, never of refusing a
/// good one. <see cref="ClusterConnectionPeaks"/> shares it with the instances that start later.
/// </summary>
public sealed class ConnectionPeakTracker(IGateStatisticsProvider statistics, IGateControl control, GuardDataSourceFactory pool,
    IOptions<GuardOptions> guard, TimeProvider clock)
    : BackgroundService
{
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(250);
    private const int Seconds = 15 * 60;

    private readonly int[] _peakBySecond = new int[Seconds];
    private readonly long[] _secondOf = new long[Seconds];
    private readonly Lock _sync = new();

    public (int Ceiling, string Derivation) ServerBudget => (control.ServerCeiling, pool.Budget is { } budget
        ? $"max_connections {budget.MaxConnections} − {budget.SuperuserReserved} superuser-reserved − {budget.Reserved} reserved − " +
          $"{guard.Value.ReservedConnections} Guard:ReservedConnections, " +
          (guard.Value.FixedInstances is { } instances ? $"÷ {instances} Guard:Instances" : "this instance's share among the live instances")
        : "the server has not been asked yet; the pool runs on Guard:FallbackCeiling");

    /// <summary>The most connections this instance had in use at once over the last <paramref name="window"/>.</summary>
    public int PeakInUse(TimeSpan window)
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var oldest = now - (long)Math.Min(window.TotalSeconds, Seconds) + 1;
        var peak = 0;
        lock (_sync)
        {
            for (var i = 0; i < Seconds; i++)
            {
                if (_secondOf[i] >= oldest && _secondOf[i] <= now)
                {
                    peak = Math.Max(peak, _peakBySecond[i]);
                }
            }
        }

        return peak;
    }

    /// <summary>Records one observation of connections in use (the sampler's, or a test's).</summary>
    public void Record(int inUse)
    {
        var second = clock.GetUtcNow().ToUnixTimeSeconds();
        var slot = (int)(second % Seconds);
        lock (_sync)
        {
            if (_secondOf[slot] != second)
            {
                _secondOf[slot] = second;
                _peakBySecond[slot] = 0;
            }

            _peakBySecond[slot] = Math.Max(_peakBySecond[slot], inUse);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SampleEvery, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            Record(statistics.GetStatistics().InUse);
        }
    }
}
