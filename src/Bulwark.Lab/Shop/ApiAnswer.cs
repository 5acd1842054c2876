using System.Net;
using System.Text.Json;
using Bulwark.Lab.Load;

namespace Bulwark.Lab.Shop;

/// <summary>What one HTTP call to the shop came back with: a status and body, or why there was none.</summary>
public sealed record ApiAnswer(HttpStatusCode? Status, string Body, bool TimedOut, string? TransportError, TimeSpan? RetryAfter = null)
{
    /// <summary>
    /// This one HTTP exchange, from sending to the last byte of the answer: what the shop's per-request
    /// deadline governs (an action's latency can span several exchanges, a purchase's cart update and checkout).
    /// </summary>
    public TimeSpan Took { get; init; }

    /// <summary>
    /// The slowest exchange of the action this answer ended (its sign-in, cart update, retries and this one): the
    /// shop's deadline is per request, so an action is late only when one of its requests was.
    /// </summary>
    public TimeSpan SlowestExchange
    {
        get => _slowestExchange > Took ? _slowestExchange : Took;
        init => _slowestExchange = value;
    }

    readonly TimeSpan _slowestExchange;

    /// <summary>This answer as the end of an action whose earlier exchange (null: none) came back as <paramref name="earlier"/>.</summary>
    public ApiAnswer After(ApiAnswer? earlier) =>
        earlier is null || earlier.SlowestExchange <= SlowestExchange ? this : this with { SlowestExchange = earlier.SlowestExchange };

    /// <summary>The answer's media type (<c>application/problem+json</c>, <c>text/html</c>…), null without a body or an answer.</summary>
    public string? ContentType { get; init; }

    public bool IsSuccess => Status is { } s && (int)s is >= 200 and < 300;

    public Outcome Outcome => this switch
    {
        { TimedOut: true } => Outcome.Timeout,
        { Status: null } => Outcome.Error,
        { IsSuccess: true } => Outcome.Success,
        { Status: HttpStatusCode.ServiceUnavailable } => Outcome.Shed,
        { Status: HttpStatusCode.TooManyRequests } => Outcome.Limited,
        { Status: HttpStatusCode.Conflict } => Outcome.SoldOut,
        { Status: HttpStatusCode.PaymentRequired } => Outcome.Declined,
        _ => Outcome.Error,
    };

    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.Clone();
    }

    /// <summary>A one-line description for logs and errors.</summary>
    public string Describe() => Status is { } s
        ? $"{(int)s} {s}{(Body.Length > 0 ? ": " + Truncate(Body, 300) : "")}"
        : TimedOut ? "timed out" : $"no answer: {TransportError}";

    static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "…";
}
