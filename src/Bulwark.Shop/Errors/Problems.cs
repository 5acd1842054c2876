using Microsoft.AspNetCore.Http.HttpResults;

namespace Bulwark.Shop.Errors;

/// <summary>Problem answers the endpoints share, so the same fault reads the same everywhere.</summary>
public static class Problems
{
    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] },
            detail: message, title: "Invalid request");

    /// <summary>Deepest page any listing serves: a deeper OFFSET would only make PostgreSQL skip rows for nothing.</summary>
    public const int MaxPage = 100_000;

    /// <summary>The problem with a listing's paging parameters, or null when both are in range.</summary>
    public static ValidationProblem? Paging(int page, int pageSize, int maxPageSize) =>
        page is < 1 or > MaxPage ? Invalid("page", $"page must be between 1 and {MaxPage}.")
        : pageSize < 1 || pageSize > maxPageSize ? Invalid("pageSize", $"pageSize must be between 1 and {maxPageSize}.")
        : null;

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(title: "Not found", detail: what, statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult Conflict(string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status409Conflict, extensions: extensions);
}
