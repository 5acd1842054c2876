using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Bulwark.Shop.Errors;

/// <summary>
/// A database that cannot be reached is the shop's trouble, not the client's: answer 503 with a
/// Retry-After instead of a 500, so clients and proxies back off rather than hammer.
/// </summary>
public sealed class DatabaseUnavailableExceptionHandler(IProblemDetailsService problemDetails, ILogger<DatabaseUnavailableExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var unavailable = exception is NpgsqlException { IsTransient: true } or TimeoutException
            || exception is InvalidOperationException { InnerException: NpgsqlException or TimeoutException };
        if (!unavailable)
        {
            return false;
        }

        logger.LogWarning(exception, "Database unavailable while serving {Path}", httpContext.Request.Path);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "1";
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Database unavailable",
                Detail = "The shop cannot reach its database right now; retry shortly.",
            },
            Exception = exception,
        });
    }
}
