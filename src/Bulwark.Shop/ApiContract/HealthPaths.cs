using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Bulwark.Shop.ApiContract;

/// <summary>
/// The health probes, which <c>MapHealthChecks</c> maps as plain request delegates that API description
/// does not see. Their answers are health checks' own: plain text, with the status of
/// <see cref="HealthCheckOptions.ResultStatusCodes"/> (200 healthy or degraded, 503 unhealthy).
/// </summary>
public sealed class HealthPaths : IOpenApiDocumentTransformer
{
    private const string Tag = "Health";

    public static IReadOnlyList<(string Path, string OperationId, string Summary)> Probes { get; } =
    [
        ("/health/live", "Health_Live", "Liveness: the process answers (checks nothing else)."),
        ("/health/ready", "Health_Ready", "Readiness: migrations are done and PostgreSQL answers right now; 503 until then and while it does not."),
    ];

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Paths ??= [];
        document.Tags ??= new HashSet<OpenApiTag>();
        document.Tags.Add(new OpenApiTag { Name = Tag, Description = "Probes for load balancers and orchestrators." });
        foreach (var (path, operationId, summary) in Probes)
        {
            var responses = new OpenApiResponses();
            foreach (var health in new HealthCheckOptions().ResultStatusCodes.GroupBy(pair => pair.Value, pair => pair.Key))
            {
                responses[health.Key.ToString(CultureInfo.InvariantCulture)] = new OpenApiResponse
                {
                    Description = string.Join(" or ", health),
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. health.Select(h => (JsonNode)h.ToString())] } },
                    },
                };
            }

            var operation = new OpenApiOperation
            {
                OperationId = operationId,
                Summary = summary,
                Tags = new HashSet<OpenApiTagReference> { new(Tag, document) },
                Security = [],
                Responses = responses,
            };
            // Probes pass the edge like any request, so its refusals apply to them too.
            PipelineResponses.AddTo(operation, description: null, document);
            document.Paths[path] = new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Get] = operation } };
        }

        return Task.CompletedTask;
    }
}
