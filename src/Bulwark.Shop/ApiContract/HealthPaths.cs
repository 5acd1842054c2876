using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Bulwark.Shop.ApiContract;

/// <summary>
/// The operational endpoints mapped as plain request delegates that API description does not see: the
/// health probes (<c>MapHealthChecks</c>) and the Prometheus scrape (the OpenTelemetry exporter). Their
/// answers are their own — health checks' plain text with the status of
/// <see cref="HealthCheckOptions.ResultStatusCodes"/> (200 healthy or degraded, 503 unhealthy), the
/// exposition format — and the edge never refuses them (<c>WithoutAdmission</c>), so no 429/503 refusal applies.
/// </summary>
public sealed class HealthPaths : IOpenApiDocumentTransformer
{
    private const string Tag = "Health";

    private const string OperationsTag = "Operations";

    public const string MetricsPath = "/metrics";

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
            document.Paths[path] = new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Get] = operation } };
        }

        document.Paths[MetricsPath] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    OperationId = "Operations_Metrics",
                    Summary = "Prometheus scrape: every metric in the text exposition format (OpenTelemetry names converted the Prometheus way).",
                    Tags = new HashSet<OpenApiTagReference> { new(OperationsTag, document) },
                    Security = [],
                    Responses = new OpenApiResponses
                    {
                        ["200"] = new OpenApiResponse
                        {
                            Description = "The metrics",
                            Content = new Dictionary<string, OpenApiMediaType>
                            {
                                ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                            },
                        },
                    },
                },
            },
        };

        return Task.CompletedTask;
    }
}
