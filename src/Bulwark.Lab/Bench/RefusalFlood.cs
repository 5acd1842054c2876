using Bulwark.Lab.Arrivals;
using Bulwark.Lab.Load;
using Bulwark.Lab.Measurement;
using Bulwark.Lab.Shop;

namespace Bulwark.Lab.Bench;

/// <summary>What an anonymous flood got back: refusals (429, 503), anything else, and how late the generator sent.</summary>
public sealed record FloodResult(double Seconds, double ScheduleSeconds, long Offered, long Sent, long Dropped, long Refused, long OtherAnswers, LatencyHistogram SendLag)
{
    public long Answered => Refused + OtherAnswers;
}

/// <summary>
/// The calibration flood: open-model <c>GET /api/cart</c> without a token, all from one address, at a
/// rate far above capacity. The guard's per-client token bucket answers nearly all of it 429 at the
/// edge, so it shows what a refusal costs the shop and whether the generator can offer such a rate
/// on its CPUs at all. It has no virtual users and no request classes, hence its own small loop.
/// </summary>
public sealed class RefusalFlood(ShopApi api, TimeProvider time)
{
    public async Task<FloodResult> RunAsync(double rate, TimeSpan duration, int seed, LoadLimits limits, CancellationToken ct)
    {
        var schedule = new ArrivalSchedule([ArrivalPhase.Constant("flood", duration, rate)], ArrivalProcess.Poisson, seed);
        var lag = new LatencyHistogram();
        long offered = 0, sent = 0, dropped = 0, refused = 0, other = 0;
        var inFlight = 0;
        var start = time.GetTimestamp();

        async Task SendAsync(TimeSpan intendedAt)
        {
            try
            {
                lag.Record(time.GetElapsedTime(start) - intendedAt);
                var answer = await api.GetCartAsync(null, ct);
                if (answer.Outcome is Outcome.Limited or Outcome.Shed) Interlocked.Increment(ref refused);
                else Interlocked.Increment(ref other);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }

        foreach (var arrival in ArrivalMerge.InTimeOrder([schedule]))
        {
            var wait = arrival.IntendedAt - time.GetElapsedTime(start);
            if (wait >= TimeSpan.FromMilliseconds(1)) await Task.Delay(wait, time, ct);
            offered++;
            if (Volatile.Read(ref inFlight) >= limits.MaxInFlight || sent >= limits.MaxRequests)
            {
                dropped++;
                continue;
            }
            Interlocked.Increment(ref inFlight);
            sent++;
            _ = Task.Run(() => SendAsync(arrival.IntendedAt), CancellationToken.None);
        }

        // Every answer is counted before the CPU is read: refusals are fast, so this wait is short.
        var drainStart = time.GetTimestamp();
        while (Volatile.Read(ref inFlight) > 0 && time.GetElapsedTime(drainStart) < limits.RequestTimeout)
            await Task.Delay(TimeSpan.FromMilliseconds(20), time, ct);
        return new FloodResult(time.GetElapsedTime(start).TotalSeconds, duration.TotalSeconds, offered, sent, dropped,
            Interlocked.Read(ref refused), Interlocked.Read(ref other), lag);
    }
}
