using System.Collections.Concurrent;
using Bulwark.Lab.Shop;

namespace Bulwark.Lab.Chaos;

/// <summary>Asks <c>/health/ready</c> four times a second while a fault's load runs, as a load balancer would.</summary>
public static class ReadinessProbe
{
    static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <param name="api">A client whose timeout is the probe's (a hung shop counts as not ready once it passes).</param>
    public static async Task RunAsync(ShopApi api, TimeProvider time, long runStart, ConcurrentQueue<ReadyProbe> into, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var answer = await api.ReadyAsync(ct);
                into.Enqueue(new ReadyProbe(time.GetElapsedTime(runStart), answer.IsSuccess));
                await Task.Delay(Interval, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The load ended.
        }
    }
}
