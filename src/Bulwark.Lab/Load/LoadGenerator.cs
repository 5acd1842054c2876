using Bulwark.Lab.Arrivals;
using Bulwark.Lab.Measurement;
using Bulwark.Lab.Shop;
using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Load;

/// <summary>
/// Open-model load: requests go out at their scheduled instants whether or not earlier ones have
/// answered, and each one's latency runs from its intended instant. A shop that stalls therefore
/// shows its full cost (no coordinated omission), and what the generator could not send because
/// of its own caps is counted as dropped rather than quietly skipped.
/// </summary>
public sealed class LoadGenerator(ShopActions actions, TimeProvider time, ILogger logger)
{
    /// <summary>Gaps shorter than this are sent at once: a timer cannot wait less than about a millisecond.</summary>
    static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(1);

    int _inFlight;
    int _peakInFlight;
    int _unexpectedErrors;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Actual minus intended send time of every sent action, taken when its worker starts (after the
    /// thread pool picked it up): what a saturated generator adds before the shop sees anything.
    /// </summary>
    public LatencyHistogram SendLag { get; } = new();

    public async Task<LoadRunSummary> RunAsync(LoadPlan plan, RunRecorder recorder, long runStart, CancellationToken ct)
    {
        plan.Validate();
        var random = new Random(plan.Seed);
        var users = actions.Fixture.Users;
        long sent = 0, dropped = 0;
        var worstLag = TimeSpan.Zero;
        var end = RunEnd.ScheduleDone;

        try
        {
            foreach (var arrival in ArrivalMerge.InTimeOrder(plan.Schedules()))
            {
                if (sent >= plan.Limits.MaxRequests)
                {
                    end = RunEnd.RequestCap;
                    break;
                }

                var wait = arrival.IntendedAt - time.GetElapsedTime(runStart);
                if (wait >= MinimumWait) await Task.Delay(wait, time, ct);
                ct.ThrowIfCancellationRequested();
                var lag = time.GetElapsedTime(runStart) - arrival.IntendedAt;
                if (lag > worstLag) worstLag = lag;

                var stream = plan.Streams[arrival.StreamIndex];
                var requestClass = stream.Mix.Pick(random);
                var action = PlannedAction.Plan(requestClass, stream.Products, actions.Fixture.Catalog, random);
                recorder.Offered(requestClass, arrival.IntendedAt);

                VirtualUser? user = null;
                var userAvailable = requestClass switch
                {
                    RequestClass.Checkout => users.TryLeaseBuyer(out user),
                    RequestClass.Cart => users.TryLeaseShopper(out user),
                    _ => true,
                };
                if (!userAvailable || Volatile.Read(ref _inFlight) >= plan.Limits.MaxInFlight)
                {
                    if (user is not null) users.Return(user);
                    recorder.Dropped(requestClass, arrival.IntendedAt);
                    dropped++;
                    continue;
                }

                var now = Interlocked.Increment(ref _inFlight);
                if (now > _peakInFlight) _peakInFlight = now;
                sent++;
                // Off the dispatch thread: a slow connect must not delay the next arrival.
                _ = Task.Run(() => RunOneAsync(action, user, arrival.IntendedAt, recorder, runStart, ct), CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            end = RunEnd.Cancelled;
        }

        var stillInFlight = await DrainAsync(plan.DrainAllowance, ct);
        return new LoadRunSummary(sent, dropped, Volatile.Read(ref _peakInFlight), time.GetElapsedTime(runStart), worstLag, stillInFlight, end);
    }

    async Task RunOneAsync(PlannedAction action, VirtualUser? user, TimeSpan intendedAt, RunRecorder recorder, long runStart, CancellationToken ct)
    {
        var lag = time.GetElapsedTime(runStart) - intendedAt;
        SendLag.Record(lag);
        var recorded = false;
        try
        {
            await actions.RunAsync(action, user, answer =>
            {
                var completedAt = time.GetElapsedTime(runStart);
                recorder.Completed(action.Class, answer.Outcome, completedAt, completedAt - intendedAt, (int?)answer.Status, answer.Took, answer.ContentType,
                    slowestRequest: lag + answer.SlowestExchange);
                recorded = true;
            }, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The run was cancelled: an unanswered request is neither success nor failure of the shop.
        }
        catch (Exception e)
        {
            // A bug in the lab's handling of an answer (an unexpected body, say) must not vanish:
            // count it as an error of the request, and say so the first few times.
            if (!recorded)
            {
                var completedAt = time.GetElapsedTime(runStart);
                recorder.Completed(action.Class, Outcome.Error, completedAt, completedAt - intendedAt);
            }
            if (Interlocked.Increment(ref _unexpectedErrors) <= 5)
                logger.LogWarning(e, "Unexpected failure handling a {Class} request", action.Class.Key());
        }
        finally
        {
            if (user is not null) actions.Fixture.Users.Return(user);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>Waits for answers still in flight, up to <paramref name="allowance"/>; returns how many never came back.</summary>
    async Task<int> DrainAsync(TimeSpan allowance, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        while (Volatile.Read(ref _inFlight) > 0 && time.GetElapsedTime(started) < allowance && !ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), time, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
        }
        return Volatile.Read(ref _inFlight);
    }
}
