using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Bulwark.Shop.ApiContract;

/// <summary>
/// Adds to each operation the answers of <see cref="PipelineAnswer.All"/> that apply to it, as problem
/// details, with <c>Retry-After</c> where the pipeline sends one. A status the handler answers too keeps
/// the handler's body schema, gains the problem body if the handler answers another media type, and gains
/// the header as optional (the handler's own answer may not send it).
/// </summary>
public sealed class PipelineResponses : IOpenApiOperationTransformer
{
    private const string ProblemSchemaName = nameof(ProblemDetails);

    private const string ProblemJson = "application/problem+json";

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var document = context.Document!;
        if (document.Components?.Schemas?.ContainsKey(ProblemSchemaName) != true)
        {
            document.AddComponent(ProblemSchemaName, await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken));
        }

        AddTo(operation, context.Description, document);
    }

    /// <summary>Also for operations written by hand (<see cref="HealthPaths"/>), which have no API description.</summary>
    public static void AddTo(OpenApiOperation operation, ApiDescription? description, OpenApiDocument document)
    {
        operation.Responses ??= [];
        foreach (var answer in PipelineAnswer.Of(description))
        {
            var key = answer.Status.ToString(CultureInfo.InvariantCulture);
            var own = operation.Responses.TryGetValue(key, out var existing);
            if (existing is not OpenApiResponse response)
            {
                response = new OpenApiResponse { Description = answer.Description };
                operation.Responses[key] = response;
            }

            response.Content ??= new Dictionary<string, OpenApiMediaType>();
            response.Content.TryAdd(ProblemJson, new OpenApiMediaType { Schema = new OpenApiSchemaReference(ProblemSchemaName, document) });
            if (answer.RetryAfter)
            {
                response.Headers ??= new Dictionary<string, IOpenApiHeader>();
                response.Headers.TryAdd("Retry-After", new OpenApiHeader
                {
                    Description = own ? "Whole seconds to wait before retrying, when the pipeline refused the request." : "Whole seconds to wait before retrying (at least 1).",
                    Required = !own,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" },
                });
            }
        }
    }
}
