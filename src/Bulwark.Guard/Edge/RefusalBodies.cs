using System.Text.Json;
using Bulwark.Guard.Gate;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Bulwark.Guard.Edge;

/// <summary>One ready-to-send refusal: status, Retry-After header value and the problem+json bytes.</summary>
internal sealed record Refusal(int Status, StringValues RetryAfter, byte[] Body);

/// <summary>
/// Every refusal's answer serialized once and kept: under a flood the edge sends thousands of identical
/// problem documents a second, and "it still takes work to reject" — so the work is a table lookup and
/// one write. Retry-After values past <see cref="CachedSeconds"/> are built on demand (rare and slow anyway).
/// </summary>
internal static class RefusalBodies
{
    public const int CachedSeconds = 120;

    private static readonly int ReasonCount = RejectionReasons.All.Count;
    private static readonly Refusal?[] Cache = new Refusal?[ReasonCount * 3 * (CachedSeconds + 1)];

    public static Refusal For(RejectionReason reason, Priority priority, int retryAfterSeconds)
    {
        if (retryAfterSeconds > CachedSeconds)
        {
            return Create(reason, priority, retryAfterSeconds);
        }

        var slot = (((int)reason * 3) + (int)priority) * (CachedSeconds + 1) + retryAfterSeconds;
        // A race builds the same bytes twice; either copy is right.
        return Volatile.Read(ref Cache[slot]) ?? (Cache[slot] = Create(reason, priority, retryAfterSeconds));
    }

    private static Refusal Create(RejectionReason reason, Priority priority, int seconds)
    {
        var status = OverloadResponses.StatusFor(reason);
        var (title, detail) = reason switch
        {
            RejectionReason.RateLimited => ("Too many requests", "This client is sending faster than its share; slow down and retry after the given time."),
            RejectionReason.LoginThrottled => ("Too many sign-in attempts", "Too many sign-in attempts; retry after the given time."),
            RejectionReason.QueueDelay => ("Busy", "The service is shedding load to stay fast for the requests it takes; retry after the given time."),
            RejectionReason.DeadlineUnmeetable or RejectionReason.Expired => ("Out of time", "The request could not be served within its deadline; retry after the given time."),
            _ => ("Busy", "The service is at capacity; retry after the given time."),
        };
        var type = status == StatusCodes.Status429TooManyRequests
            ? "https://tools.ietf.org/html/rfc6585#section-4"
            : "https://tools.ietf.org/html/rfc9110#section-15.6.4";
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["type"] = type,
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail,
            ["reason"] = reason.Tag(),
            ["priority"] = priority.Tag(),
            ["retryAfterSeconds"] = seconds,
        });
        return new Refusal(status, new StringValues(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)), body);
    }
}
