using Bulwark.Guard.Gate;
using Microsoft.AspNetCore.Http;

namespace Bulwark.Guard.Edge;

/// <summary>
/// The honest answers to overload: 503 (shed, refused, out of time) or 429 (this client's own rate),
/// always <c>application/problem+json</c> with <c>Retry-After</c> in whole seconds, never a hang.
/// </summary>
public static class OverloadResponses
{
    public static int StatusFor(RejectionReason reason) =>
        reason is RejectionReason.RateLimited or RejectionReason.LoginThrottled
            ? StatusCodes.Status429TooManyRequests
            : StatusCodes.Status503ServiceUnavailable;

    public static Task WriteAsync(HttpContext context, Priority priority, RejectionReason reason, TimeSpan retryAfter)
    {
        var seconds = LoadShedding.RetryAfterSeconds(retryAfter);
        var status = StatusFor(reason);
        context.Response.Clear();
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (title, detail) = reason switch
        {
            RejectionReason.RateLimited => ("Too many requests", "This client is sending faster than its share; slow down and retry after the given time."),
            RejectionReason.LoginThrottled => ("Too many sign-in attempts", "Too many sign-in attempts; retry after the given time."),
            RejectionReason.QueueDelay => ("Busy", "The service is shedding load to stay fast for the requests it takes; retry after the given time."),
            RejectionReason.DeadlineUnmeetable or RejectionReason.Expired => ("Out of time", "The request could not be served within its deadline; retry after the given time."),
            _ => ("Busy", "The service is at capacity; retry after the given time."),
        };

        return TypedResults.Problem(detail, statusCode: status, title: title,
            extensions: new Dictionary<string, object?>
            {
                ["reason"] = reason.Tag(),
                ["priority"] = priority.Tag(),
                ["retryAfterSeconds"] = seconds,
            }).ExecuteAsync(context);
    }
}
