using Bulwark.Shop.Errors;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Bulwark.Shop.ApiContract;

/// <summary>
/// A status the pipeline answers before (or instead of) the handler, so no handler's result type can say
/// it: the one place where statuses are documented without a result type behind them. Each names the
/// code that answers it; the contract tests accept a documented status only from a result type or here.
/// </summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Description">What the answer means to a client.</param>
/// <param name="RetryAfter">Whether the answer carries <c>Retry-After</c> (whole seconds).</param>
/// <param name="AnsweredBy">The code that answers it, so a reader can check the claim.</param>
/// <param name="For">Which operations can get it.</param>
public sealed record PipelineAnswer(int Status, string Description, bool RetryAfter, string AnsweredBy, AnsweredFor For)
{
    public static IReadOnlyList<PipelineAnswer> All { get; } =
    [
        new(StatusCodes.Status400BadRequest,
            "Malformed request: the JSON body or a parameter could not be read (the problem names what).",
            RetryAfter: false, nameof(ClientErrorExceptionHandler), AnsweredFor.Input),
        new(StatusCodes.Status401Unauthorized,
            "No valid credentials: sign in with POST /api/sessions and send the access token.",
            RetryAfter: false, "UseAuthentication/UseAuthorization (RequireAuthorization)", AnsweredFor.SignedIn),
        new(StatusCodes.Status403Forbidden,
            "Signed in, but the account lacks the role this operation needs (admin).",
            RetryAfter: false, "UseAuthorization (RequireAuthorization with a policy)", AnsweredFor.Role),
        new(StatusCodes.Status413PayloadTooLarge,
            $"The request body is over {ShopErrors.MaxRequestBodyBytes} bytes.",
            RetryAfter: false, "Kestrel's MaxRequestBodySize, answered by ClientErrorExceptionHandler", AnsweredFor.Body),
        new(StatusCodes.Status415UnsupportedMediaType,
            "The request body is not application/json.",
            RetryAfter: false, "minimal API body binding; UseStatusCodePages writes the problem", AnsweredFor.Body),
        new(StatusCodes.Status429TooManyRequests,
            "This client is over its request rate (or its sign-in attempts); retry after Retry-After seconds.",
            RetryAfter: true, "EdgeRefusalMiddleware (per-client token bucket, sign-in throttle)", AnsweredFor.Every),
        new(StatusCodes.Status503ServiceUnavailable,
            "The shop is shedding load, the request ran out of time, or the database is unavailable or still starting; retry after Retry-After seconds.",
            RetryAfter: true, "EdgeRefusalMiddleware, AdmissionMiddleware, DatabaseUnavailableExceptionHandler, UseDatabaseReadiness", AnsweredFor.Every),
    ];

    /// <summary>The answers an operation can get; <paramref name="description"/> is null for endpoints API description does not see.</summary>
    public static IEnumerable<PipelineAnswer> Of(ApiDescription? description) =>
        All.Where(answer => answer.AppliesTo(description));

    private bool AppliesTo(ApiDescription? description) => For switch
    {
        AnsweredFor.Every => true,
        _ when description is null => false,
        AnsweredFor.Input => description.ParameterDescriptions.Any(parameter => parameter.Source == BindingSource.Body
            // A route value is held to its constraint by routing (404); a string always binds.
            || (parameter.Source == BindingSource.Query || parameter.Source == BindingSource.Header) && parameter.Type != typeof(string)),
        AnsweredFor.Body => description.ParameterDescriptions.Any(parameter => parameter.Source == BindingSource.Body),
        AnsweredFor.SignedIn => EndpointAuthorization.IsRequired(description.ActionDescriptor.EndpointMetadata),
        AnsweredFor.Role => EndpointAuthorization.MayForbid(description.ActionDescriptor.EndpointMetadata),
        _ => false,
    };
}
