using Bulwark.Lab.Load;
using Bulwark.Lab.Measurement;
using Bulwark.Lab.Shop;

namespace Bulwark.Lab.Bench;

/// <summary>What a closed-loop purchase run asks for.</summary>
/// <param name="Product">The product a worker buys next, from its own seeded random.</param>
/// <param name="Duration">Stop starting purchases after this long (null: run until <paramref name="Attempts"/> are used).</param>
/// <param name="Attempts">Purchases to attempt in all, shared by the workers (null: until <paramref name="Duration"/>).</param>
/// <param name="RetriesOnOverload">How often a buyer answered 503 or 429 tries the same call again after its Retry-After.</param>
public sealed record PurchasePlan(Func<Random, string> Product, TimeSpan? Duration, int? Attempts, int RetriesOnOverload, int Seed);

/// <summary>A closed-loop purchase run: outcomes, latencies, and when each order was confirmed paid.</summary>
public sealed record PurchaseLoopResult(
    int Workers,
    double Seconds,
    long Attempts,
    long Paid,
    long SoldOut,
    long Shed,
    long Limited,
    long Errors,
    long Timeouts,
    LatencySummary Checkout,
    LatencySummary Purchase,
    IReadOnlyList<double> PaidAtSeconds)
{
    /// <summary>Purchases confirmed per second of the run.</summary>
    public double PaidPerSecond => Seconds > 0 ? Paid / Seconds : 0;
}

/// <summary>
/// Fixed-concurrency purchases, each worker a signed-in buyer of its own doing "put the item in the
/// cart, check out" over and over: the closed-loop model of wrk and hey (a worker sends its next
/// request when the last one answered), for the baseline at fixed concurrencies and for the hot-SKU
/// sell-out's 2,000 buyers at once. Latency runs from the actual send, as in those tools.
/// </summary>
public sealed class PurchaseLoop(ShopClients clients, TimeProvider time)
{
    public async Task<PurchaseLoopResult> RunAsync(IReadOnlyList<VirtualUser> workers, PurchasePlan plan, CancellationToken ct)
    {
        if (plan.Duration is null && plan.Attempts is null) throw new ArgumentException("A purchase loop needs a duration or a number of attempts.", nameof(plan));
        var checkout = new LatencyHistogram();
        var purchase = new LatencyHistogram();
        var paidAt = new List<double>();
        long attempts = 0, paid = 0, soldOut = 0, shed = 0, limited = 0, errors = 0, timeouts = 0;
        var start = time.GetTimestamp();

        void Count(Outcome outcome)
        {
            switch (outcome)
            {
                case Outcome.SoldOut: Interlocked.Increment(ref soldOut); break;
                case Outcome.Shed: Interlocked.Increment(ref shed); break;
                case Outcome.Limited: Interlocked.Increment(ref limited); break;
                case Outcome.Timeout: Interlocked.Increment(ref timeouts); break;
                case Outcome.Error or Outcome.Declined: Interlocked.Increment(ref errors); break;
            }
        }

        async Task<ApiAnswer> Patient(Func<Task<ApiAnswer>> call)
        {
            for (var retry = 0; ; retry++)
            {
                var answer = await call();
                if (answer.Outcome is not (Outcome.Shed or Outcome.Limited) || retry >= plan.RetriesOnOverload) return answer;
                Count(answer.Outcome);
                var wait = answer.RetryAfter ?? TimeSpan.FromMilliseconds(200);
                await Task.Delay(TimeSpan.FromTicks(Math.Clamp(wait.Ticks, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond * 2)), time, ct);
            }
        }

        async Task WorkAsync(VirtualUser user, int index)
        {
            var random = new Random(unchecked(plan.Seed * 7919 + index));
            var api = clients.For(user);
            while (!ct.IsCancellationRequested)
            {
                if (plan.Duration is { } duration && time.GetElapsedTime(start) >= duration) return;
                if (Interlocked.Increment(ref attempts) > (plan.Attempts ?? long.MaxValue))
                {
                    Interlocked.Decrement(ref attempts);
                    return;
                }

                var product = plan.Product(random);
                var began = time.GetTimestamp();
                var put = await Patient(() => api.PutCartItemAsync(user.Token!, product, 1, ct));
                if (!put.IsSuccess)
                {
                    Count(put.Outcome);
                    await BackOffAsync(put);
                    continue;
                }
                // The same key on every retry: a checkout retried after a 503 can never buy twice.
                var key = Guid.NewGuid().ToString("N");
                var sent = time.GetTimestamp();
                var answer = await Patient(() => api.CheckoutAsync(user.Token!, key, "tok_visa", ct));
                checkout.Record(time.GetElapsedTime(sent));
                purchase.Record(time.GetElapsedTime(began));
                if (answer.IsSuccess)
                {
                    Interlocked.Increment(ref paid);
                    var at = time.GetElapsedTime(start).TotalSeconds;
                    lock (paidAt) paidAt.Add(at);
                }
                else
                {
                    Count(answer.Outcome);
                    await BackOffAsync(answer);
                }
            }
        }

        // A buyer refused for now waits as asked before the next purchase, rather than hammering a shop that said it is full.
        Task BackOffAsync(ApiAnswer answer) => answer.Outcome is Outcome.Shed or Outcome.Limited
            ? Task.Delay(TimeSpan.FromTicks(Math.Clamp((answer.RetryAfter ?? TimeSpan.FromMilliseconds(200)).Ticks, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond * 2)), time, ct)
            : Task.CompletedTask;

        try
        {
            await Task.WhenAll(workers.Select((user, i) => Task.Run(() => WorkAsync(user, i), CancellationToken.None)));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        var seconds = time.GetElapsedTime(start).TotalSeconds;
        paidAt.Sort();
        return new PurchaseLoopResult(workers.Count, seconds, Volatile.Read(ref attempts), paid, soldOut, shed, limited, errors, timeouts,
            checkout.Summarize(), purchase.Summarize(), paidAt);
    }
}
