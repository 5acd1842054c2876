using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Microsoft.AspNetCore.Http.HttpResults;
using Scalar.AspNetCore;

namespace Bulwark.Shop.ApiContract;

/// <summary>
/// The API's contract: the OpenAPI document at <c>/openapi/v1.json</c> and its reference page at <c>/docs</c>.
/// Both are served in every environment: the document is the public contract clients build against.
/// </summary>
public static class ApiContractRegistration
{
    public const string DocumentName = "v1";

    /// <summary>Where clients fetch the document (the pattern Scalar and the Microsoft.AspNetCore.OpenApi tooling expect).</summary>
    public const string DocumentPath = "/openapi/v1.json";

    public const string ReferencePath = "/docs";

    public static void AddApiContract(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RenderedDocument>();
        builder.Services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer<DocumentDescription>();
            options.AddDocumentTransformer<HealthPaths>();
            options.AddOperationTransformer<OperationNames>();
            options.AddOperationTransformer<AuthorizationRequirements>();
            options.AddOperationTransformer<PipelineResponses>();
            options.AddOperationTransformer<RequestHeaders>();
        });
    }

    public static void MapApiContract(this WebApplication app)
    {
        AsContractEndpoints(app.MapGet(DocumentPath, ServeDocumentAsync).ExcludeFromDescription());
        AsContractEndpoints(app.MapScalarApiReference(ReferencePath, reference => reference
            .WithTitle("Bulwark shop API")
            .WithOpenApiRoutePattern(DocumentPath)
            // Offline: the page loads the script bundled in Scalar.AspNetCore from this server, and
            // nothing from elsewhere (no web fonts, no telemetry, no hosted AI or MCP features, no
            // toolbar of links to Scalar's hosted services).
            .HideDeveloperTools()
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp()));
    }

    private static async Task<FileContentHttpResult> ServeDocumentAsync(RenderedDocument document, CancellationToken cancellationToken) =>
        TypedResults.File(await document.JsonAsync(cancellationToken), "application/json; charset=utf-8");

    /// <summary>
    /// The contract costs CPU but never a database connection: sheddable, and shed only when the CPU
    /// runs late (deferred shedding, as for cached catalog reads), never for the database's queue. Not
    /// shop traffic, so it stays out of the request metrics that the alerts and the dashboard read.
    /// </summary>
    private static void AsContractEndpoints(IEndpointConventionBuilder endpoints) =>
        endpoints.WithPriority(Priority.Sheddable).WithDeferredShedding().DisableHttpMetrics();
}
