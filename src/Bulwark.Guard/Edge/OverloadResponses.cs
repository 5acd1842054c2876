using Bulwark.Guard.Gate;
using Microsoft.AspNetCore.Http;

namespace Bulwark.Guard.Edge;

/// <summary>
/// The honest answers to overload: 503 (shed, refused, out of time) or 429 (this client's own rate),
/// always <c>application/problem+json</c> with <c>Retry-After</c> in whole seconds, never a hang. The
/// bodies are prepared once (<see cref="RefusalBodies"/>), so a refusal costs a lookup and a write.
/// </summary>
public static class OverloadResponses
{
    public const string ProblemJson = "application/problem+json";

    public static int StatusFor(RejectionReason reason) =>
        reason is RejectionReason.RateLimited or RejectionReason.LoginThrottled
            ? StatusCodes.Status429TooManyRequests
            : StatusCodes.Status503ServiceUnavailable;

    public static Task WriteAsync(HttpContext context, Priority priority, RejectionReason reason, TimeSpan retryAfter)
    {
        var refusal = RefusalBodies.For(reason, priority, LoadShedding.RetryAfterSeconds(retryAfter));
        var response = context.Response;
        response.Clear();
        response.StatusCode = refusal.Status;
        response.ContentType = ProblemJson;
        response.ContentLength = refusal.Body.Length;
        response.Headers.RetryAfter = refusal.RetryAfter;
        var write = response.Body.WriteAsync(refusal.Body);
        return write.IsCompletedSuccessfully ? Task.CompletedTask : write.AsTask();
    }
}
