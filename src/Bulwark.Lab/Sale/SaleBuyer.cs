using System.Net;
using System.Text.Json;
using Bulwark.Lab.Shop;

namespace Bulwark.Lab.Sale;

/// <summary>Every HTTP exchange of a sale run, for the "no 5xx, nothing past the deadline" checks.</summary>
public sealed class SaleExchanges
{
    readonly Lock _slowest = new();
    long _count, _serverErrors, _timeouts, _overDeadline, _polls;
    double _slowestMs;

    public long Count => Interlocked.Read(ref _count);
    public long ServerErrors => Interlocked.Read(ref _serverErrors);
    public long Timeouts => Interlocked.Read(ref _timeouts);
    public long OverDeadline => Interlocked.Read(ref _overDeadline);
    public long Polls => Interlocked.Read(ref _polls);
    public double SlowestMs { get { lock (_slowest) return _slowestMs; } }

    public ApiAnswer Record(ApiAnswer answer, TimeSpan deadline, bool poll = false)
    {
        Interlocked.Increment(ref _count);
        if (poll) Interlocked.Increment(ref _polls);
        if (answer.TimedOut || answer.Status is null) Interlocked.Increment(ref _timeouts);
        else if ((int)answer.Status >= 500 && answer.Status != HttpStatusCode.ServiceUnavailable) Interlocked.Increment(ref _serverErrors);
        if (answer.Took > deadline) Interlocked.Increment(ref _overDeadline);
        lock (_slowest) _slowestMs = Math.Max(_slowestMs, answer.Took.TotalMilliseconds);
        return answer;
    }
}

/// <summary>
/// One flash-sale buyer: arrives, puts the sale's item in the cart (or hears there that it sold out), and — where the shop has a waiting room —
/// joins it, polls until admitted or told the sale is sold out, then checks out with the admission (a buyer whose cart change was
/// refused as busy joins at once and adds the item with the admission); where it has
/// none, checks out directly and tries again as the answers allow. Polite buyers wait as told, spread by a jitter (<see cref="PauseAsync"/>); aggressive ones
/// poll and retry every 100 ms and join again, as bots do.
/// </summary>
public sealed class SaleBuyer(ShopApi api, VirtualUser user, int index, bool aggressive, bool useWaitingRoom, string saleId, string productId,
    TimeProvider time, long runStart, TimeSpan deadline, SaleExchanges exchanges)
{
    static readonly TimeSpan AggressiveInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>What polite buyers send as <c>Prefer: wait</c>, as the storefront does; the shop holds no longer than it allows.</summary>
    const int PoliteHoldSeconds = 5;

    /// <summary>Seeded per buyer, so a run's waits repeat.</summary>
    readonly Random _jitter = new(index);

    double Now => time.GetElapsedTime(runStart).TotalSeconds;

    public async Task<SaleBuyerRecord> RunAsync(TimeSpan arrival, DateTimeOffset giveUpAt, CancellationToken ct)
    {
        var wait = arrival - time.GetElapsedTime(runStart);
        if (wait > TimeSpan.Zero) await Task.Delay(wait, time, ct);
        var record = new SaleBuyerRecord(index, aggressive, Now, null, null, null, null, null, SaleEnd.GaveUp, 0);
        var polls = 0;
        try
        {
            bool inCart;
            if (useWaitingRoom)
            {
                // Refused as busy, the buyer joins the line at once instead of retrying the cart (the join is never shed, so
                // the place is taken at arrival, not at whichever retry gets through) and adds the item with the admission.
                var put = exchanges.Record(await api.PutCartItemAsync(user.Token!, productId, 1, ct), deadline);
                if (SoldOutAnswer(put)) return record with { End = SaleEnd.SoldOut, SoldOutAt = Now };
                inCart = put.IsSuccess;
                if (Refusal(put)) record = Refused(record, put, "cart");
                else if (!inCart) return record with { End = SaleEnd.Failed, Failure = "cart: " + put.Describe() };
            }
            else
            {
                (var put, record) = await PersistAsync(() => api.PutCartItemAsync(user.Token!, productId, 1, ct), record, "cart", giveUpAt, ct);
                if (put is null) return record;
                if (SoldOutAnswer(put)) return record with { End = SaleEnd.SoldOut, SoldOutAt = Now };
                if (!put.IsSuccess) return record with { End = SaleEnd.Failed, Failure = "cart: " + put.Describe() };
                inCart = true;
            }

            string? admission = null;
            string? ticket = null;
            var key = Guid.NewGuid().ToString("N");
            while (time.GetUtcNow() < giveUpAt)
            {
                if (useWaitingRoom && ticket is null)
                {
                    // A join refused on the way (503/429) is asked again as told, as the storefront does: checking out
                    // without a ticket only earns a 429 "join the waiting room" (or a 503) and learns nothing.
                    (record, ticket, admission, var retryAfter) = await JoinAsync(record, ticket, admission, ct);
                    if (record.End != SaleEnd.GaveUp) return record with { Polls = polls };
                    if (ticket is null)
                    {
                        await PauseAsync(retryAfter ?? TimeSpan.FromSeconds(1), ct);
                        continue;
                    }
                }

                if (ticket is not null && admission is null)
                {
                    var polled = await PollAsync(ticket, ct);
                    polls++;
                    if (polled.SoldOut) return record with { End = SaleEnd.SoldOut, SoldOutAt = Now, Polls = polls };
                    if (polled.Admission is { } granted)
                    {
                        admission = granted;
                        record = record with { AdmittedAt = Now };
                    }
                    else
                    {
                        await PauseAsync(polled.PollAfter, ct, poll: true);
                        if (aggressive && polls % 10 == 0)
                        {
                            // A bot joins again now and then, hoping for a better place; it must get the same one.
                            (record, ticket, admission, _) = await JoinAsync(record, ticket, admission, ct);
                            if (record.End != SaleEnd.GaveUp) return record with { Polls = polls };
                        }
                        continue;
                    }
                }

                if (!inCart)
                {
                    // Admitted without the item in the cart (its first cart change was shed): add it with the admission.
                    var put = exchanges.Record(await api.PutCartItemAsync(user.Token!, productId, 1, ct, admission: admission), deadline);
                    if (SoldOutAnswer(put)) return record with { End = SaleEnd.SoldOut, SoldOutAt = Now, Polls = polls };
                    if (Refusal(put))
                    {
                        record = Refused(record, put, "cart");
                        await PauseAsync(put.RetryAfter ?? TimeSpan.FromSeconds(1), ct);
                        continue;
                    }
                    if (!put.IsSuccess) return record with { End = SaleEnd.Failed, Failure = "cart: " + put.Describe(), Polls = polls };
                    inCart = true;
                }

                var answer = exchanges.Record(await api.CheckoutAsync(user.Token!, key, "tok_visa", ct, admission), deadline);
                if (answer.IsSuccess) return record with { End = SaleEnd.Bought, BoughtAt = Now, Polls = polls };
                record = Refused(record, answer);
                switch (answer.Status)
                {
                    case HttpStatusCode.Conflict when NotOpenYet(answer):
                        await PauseAsync(TimeSpan.FromSeconds(1), ct);
                        continue;
                    case HttpStatusCode.Conflict:
                        return record with { End = SaleEnd.SoldOut, SoldOutAt = Now, Polls = polls };
                    case HttpStatusCode.TooManyRequests when WaitingRoomRequired(answer) && ticket is null:
                        (record, ticket, admission, var joinRetryAfter) = await JoinAsync(record, ticket, admission, ct);
                        if (record.End != SaleEnd.GaveUp) return record with { Polls = polls };
                        if (ticket is null) await PauseAsync(joinRetryAfter ?? TimeSpan.FromSeconds(1), ct);
                        continue;
                    case HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests:
                        if (WaitingRoomRequired(answer)) admission = null; // spent or expired: back to polling the ticket
                        await PauseAsync(answer.RetryAfter ?? TimeSpan.FromSeconds(1), ct);
                        continue;
                    default:
                        return record with { End = SaleEnd.Failed, Failure = "checkout: " + answer.Describe(), Polls = polls };
                }
            }

            return record with { Polls = polls };
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return record with { Polls = polls };
        }
    }

    /// <summary>
    /// Joins (or joins again); refused for overload (503/429), keeps the ticket and admission it had and says when to
    /// ask again.
    /// </summary>
    async Task<(SaleBuyerRecord Record, string? Ticket, string? Admission, TimeSpan? RetryAfter)> JoinAsync(SaleBuyerRecord record,
        string? ticket, string? admission, CancellationToken ct)
    {
        var joined = exchanges.Record(await api.JoinWaitingRoomAsync(user.Token!, saleId, ct), deadline);
        if (!joined.IsSuccess)
        {
            return joined.Status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests
                ? (Refused(record, joined, "join"), ticket, admission, joined.RetryAfter)
                : (record with { End = SaleEnd.Failed, Failure = "waiting room: " + joined.Describe() }, ticket, null, null);
        }

        var room = Room.Parse(joined);
        record = record with { JoinedAt = record.JoinedAt ?? Now, JoinPosition = record.JoinPosition ?? room.Position, Ticket = room.Ticket ?? record.Ticket };
        if (room.SoldOut) return (record with { End = SaleEnd.SoldOut, SoldOutAt = Now }, room.Ticket, null, null);
        if (room.Admission is not null) record = record with { AdmittedAt = record.AdmittedAt ?? Now };
        return (record, room.Ticket, room.Admission, null);
    }

    async Task<Room> PollAsync(string ticket, CancellationToken ct)
    {
        // Polite buyers ask the shop to hold the poll for news, as the storefront does; bots just ask again.
        var answer = exchanges.Record(await api.PollWaitingRoomAsync(user.Token!, ticket, ct, aggressive ? null : PoliteHoldSeconds), deadline, poll: true);
        return answer.IsSuccess ? Room.Parse(answer) : new Room(ticket, null, null, false, answer.RetryAfter ?? TimeSpan.FromSeconds(1));
    }

    /// <summary>Retries a call refused for overload, as told, noting the refusals; a null answer when the run ended first.</summary>
    async Task<(ApiAnswer? Answer, SaleBuyerRecord Record)> PersistAsync(Func<Task<ApiAnswer>> call, SaleBuyerRecord record, string what,
        DateTimeOffset giveUpAt, CancellationToken ct)
    {
        while (time.GetUtcNow() < giveUpAt)
        {
            var answer = exchanges.Record(await call(), deadline);
            if (!Refusal(answer)) return (answer, record);
            record = Refused(record, answer, what);
            await PauseAsync(answer.RetryAfter ?? TimeSpan.FromSeconds(1), ct);
        }

        return (null, record);
    }

    /// <summary>
    /// A polite buyer waits as told; after a refusal plus up to half as long again, as browsers spread their retries:
    /// buyers refused together and told "1 s" otherwise came back together, every time, into the same busy instant
    /// (lab sale: fifteen admitted buyers answered 503 twelve times in a row while the units went to buyers behind
    /// them). Polls keep the shop's pollAfterSeconds exactly: it bounds how late a buyer learns of a sell-out, and
    /// polling sooner than asked added a third more polls to a saturated shop. A held poll's pollAfterSeconds may be 0
    /// (the hold spaced it): the buyer then asks again after 100 ms.
    /// </summary>
    Task PauseAsync(TimeSpan asked, CancellationToken ct, bool poll = false)
    {
        if (aggressive) return Task.Delay(AggressiveInterval, time, ct);
        var told = Math.Clamp(asked.Ticks, TimeSpan.TicksPerMillisecond * 100, TimeSpan.TicksPerSecond * 5);
        var spread = poll ? 0 : (long)(told * 0.5 * _jitter.NextDouble());
        return Task.Delay(TimeSpan.FromTicks(told + spread), time, ct);
    }

    /// <param name="what">The request refused, when not the checkout.</param>
    SaleBuyerRecord Refused(SaleBuyerRecord record, ApiAnswer answer, string? what = null)
    {
        if (what is null && answer.Status == HttpStatusCode.ServiceUnavailable) record = record with { CheckoutsRefused = record.CheckoutsRefused + 1 };
        var refusals = record.Refusals ?? [];
        if (refusals.Count >= SaleBuyerRecord.MaxRefusals) return record;
        var title = answer.Status is null ? answer.Describe() : ProblemText(answer, "title");
        var request = what is null ? "" : what + " ";
        return record with { Refusals = [.. refusals, FormattableString.Invariant($"{Now:0.00} {request}{(int?)answer.Status} {title}")] };
    }

    /// <summary>Refused for overload or by the client's rate (503, 429): to be asked again later.</summary>
    static bool Refusal(ApiAnswer answer) => answer.Status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests;

    /// <summary>Once the sale has sold every unit the cart says so (a 409 from memory): nothing left to queue for.</summary>
    static bool SoldOutAnswer(ApiAnswer answer) =>
        answer.Status == HttpStatusCode.Conflict && ProblemText(answer, "title").Contains("sold out", StringComparison.OrdinalIgnoreCase);

    static bool NotOpenYet(ApiAnswer answer) => ProblemText(answer).Contains("not open", StringComparison.OrdinalIgnoreCase);

    static bool WaitingRoomRequired(ApiAnswer answer) => ProblemText(answer).Contains("waiting", StringComparison.OrdinalIgnoreCase);

    static readonly string[] ProblemFields = ["type", "title", "detail"];

    /// <summary>The problem's <paramref name="fields"/> (type, title and detail when none are named), or the body when it is not JSON.</summary>
    static string ProblemText(ApiAnswer answer, params string[] fields)
    {
        try
        {
            var json = answer.Json();
            return string.Join(' ', (fields.Length == 0 ? ProblemFields : fields).Select(name => json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : ""));
        }
        catch (JsonException)
        {
            return answer.Body;
        }
    }

    /// <summary>A waiting room's answer to a join or a poll.</summary>
    sealed record Room(string? Ticket, long? Position, string? Admission, bool SoldOut, TimeSpan PollAfter)
    {
        public static Room Parse(ApiAnswer answer)
        {
            var json = answer.Json();
            string? Text(string name) => json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            bool Flag(string name) => json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
            double? Number(string name) => json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
            return new Room(Text("ticket"), Number("position") is { } p ? (long)p : null, Flag("admitted") ? Text("admission") : null, Flag("soldOut"),
                TimeSpan.FromSeconds(Number("pollAfterSeconds") ?? 1));
        }
    }
}
