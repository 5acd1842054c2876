using Bulwark.Guard.Gate;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Bulwark.Guard.Edge;

/// <summary>
/// For apps using <c>UseExceptionHandler()</c>: a refusal that escapes to it (from code outside the
/// admission middleware, e.g. a background-triggered request path) still becomes 503/429 + Retry-After,
/// not a 500.
/// </summary>
public sealed class AdmissionExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not AdmissionRejectedException refused || httpContext.Response.HasStarted)
        {
            return false;
        }

        await OverloadResponses.WriteAsync(httpContext, refused.Priority, refused.Reason, refused.RetryAfter);
        return true;
    }
}
