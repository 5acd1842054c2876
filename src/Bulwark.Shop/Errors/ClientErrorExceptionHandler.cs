using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Bulwark.Shop.Errors;

/// <summary>
/// Turns what ASP.NET Core throws for a bad request (unreadable JSON, wrong types, oversized body,
/// unparsable query values) into a 4xx problem that names what is wrong.
/// </summary>
public sealed class ClientErrorExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        var json = FindJsonError(bad);
        httpContext.Response.StatusCode = bad.StatusCode;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = bad.StatusCode,
            Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Malformed request",
            Detail = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"The request body exceeds {ShopErrors.MaxRequestBodyBytes} bytes."
                : json is null ? bad.Message : $"The JSON body could not be read: {json.Message}",
        };
        if (json?.Path is { } path)
        {
            problem.Extensions["field"] = path;
        }

        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static JsonException? FindJsonError(Exception exception)
    {
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is JsonException json)
            {
                return json;
            }
        }

        return null;
    }
}
