using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bulwark.PaymentSandbox.Http;

/// <summary>
/// Reads a JSON request body without letting a bad one become a 500 or a bare 400: every way a body can be
/// wrong is answered with problem details that say what was wrong and, where it can, which field.
/// </summary>
internal static class JsonBody
{
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(
        HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "unsupported media type",
                detail: "Send the request body as application/json."));
        }

        try
        {
            var value = await request.ReadFromJsonAsync<T>(cancellationToken);
            return value is null
                ? (null, Invalid("body", "A JSON object is required."))
                : (value, null);
        }
        catch (JsonException ex)
        {
            // Path is "$.amountCents" when a field has the wrong type, "$" (or null) when the JSON itself is broken.
            var field = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
            return (null, field is null
                ? Invalid("body", "The request body is not a valid JSON object.")
                : Invalid(field, $"{field} could not be read: its value has the wrong type or the JSON breaks off there."));
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's own refusals, chiefly 413 when the body exceeds the sandbox's request size limit.
            return (null, TypedResults.Problem(statusCode: ex.StatusCode, title: "request body rejected", detail: ex.Message));
        }
    }

    private static ProblemHttpResult Invalid(string field, string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = StatusCodes.Status400BadRequest,
        });
}
