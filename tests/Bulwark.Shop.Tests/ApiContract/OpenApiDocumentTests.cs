using System.Reflection;
using System.Text.Json.Nodes;
using Bulwark.Shop.ApiContract;
using Bulwark.Shop.Tests.Infrastructure;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Shop.Tests.ApiContract;

/// <summary>The served document against the app itself: every route in it, and no status it cannot answer.</summary>
[Collection(ShopCollection.Name)]
public sealed class OpenApiDocumentTests(ShopFixture shop)
{
    /// <summary>Mapped routes that are not API operations, and why.</summary>
    private static readonly Dictionary<string, string> NotOperations = new(StringComparer.Ordinal)
    {
        ["/"] = "the storefront: a page for people, over the documented API",
        [ServedDocument.Path] = "the document itself",
    };

    /// <summary>The reference page and the script and icon bundled with it.</summary>
    private const string ReferencePrefix = ApiContractRegistration.ReferencePath;

    [Fact]
    public async Task Every_mapped_route_is_an_operation_of_the_served_document()
    {
        var document = await FetchAsync();
        var routes = Routes().ToList();

        var missing = routes
            .Where(route => !NotOperations.ContainsKey(route.Path) && !IsReference(route.Path))
            .Where(route => document.Operation(route.Method, route.Path) is null)
            .Select(route => $"{route.Method} {route.Path} ({route.Endpoint.DisplayName})")
            .ToList();
        Assert.True(missing.Count == 0, "Mapped but not in /openapi/v1.json (a handler route is described by itself unless " +
            $"it is excluded; a plain request delegate needs a document transformer, as HealthPaths does):\n{string.Join('\n', missing)}");
        Assert.All(NotOperations.Keys, path => Assert.Contains(routes, route => route.Path == path));
    }

    [Fact]
    public async Task Every_operation_of_the_served_document_is_a_mapped_route()
    {
        var document = await FetchAsync();
        var routes = Routes().Select(route => (route.Method, route.Path)).ToHashSet();

        var unmapped = document.Operations().Where(operation => !routes.Contains((operation.Method, operation.Path)))
            .Select(operation => $"{operation.Method} {operation.Path}").ToList();

        Assert.True(unmapped.Count == 0, $"Documented but not mapped:\n{string.Join('\n', unmapped)}");
    }

    [Fact]
    public async Task Every_documented_status_is_answered_by_the_handlers_result_type_or_the_pipeline()
    {
        var document = await FetchAsync();
        var wrong = new List<string>();
        foreach (var description in ApiDescriptions())
        {
            var method = description.HttpMethod!;
            var path = "/" + description.RelativePath;
            if (document.Operation(method, path) is not { } operation)
            {
                continue; // the route test says so
            }

            var handler = description.ActionDescriptor.EndpointMetadata.OfType<MethodInfo>().First();
            var results = HandlerResults.Of(handler);
            var pipeline = PipelineAnswer.Of(description).Select(answer => answer.Status).ToHashSet();
            var documented = ServedDocument.Statuses(operation);
            wrong.AddRange(documented.Where(status => !results.Produces(status) && !pipeline.Contains(status))
                .Select(status => $"{method} {path} documents {status}, which neither {Name(handler.ReturnType)} nor the pipeline (PipelineAnswer.All) answers"));
            wrong.AddRange(results.Statuses.Where(status => !documented.Contains(status))
                .Select(status => $"{method} {path} answers {status} ({Name(handler.ReturnType)}), which the document leaves out"));
        }

        // The probes are plain request delegates: their answers are health checks' status codes.
        var health = new HealthCheckOptions().ResultStatusCodes.Values.Concat(PipelineAnswer.Of(null).Select(answer => answer.Status)).ToHashSet();
        foreach (var (path, _, _) in HealthPaths.Probes)
        {
            wrong.AddRange(ServedDocument.Statuses(document.Operation("GET", path)!).Where(status => !health.Contains(status))
                .Select(status => $"GET {path} documents {status}, which health checks and the pipeline never answer"));
        }

        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public async Task Refusals_are_documented_as_problems_with_Retry_After_on_every_operation()
    {
        var document = await FetchAsync();
        // The probes and the scrape are never refused by the edge (WithoutAdmission): monitoring must answer under overload.
        var operational = HealthPaths.Probes.Select(probe => probe.Path).Append(HealthPaths.MetricsPath).ToHashSet();

        Assert.All(document.Operations().Where(operation => !operational.Contains(operation.Path)), operation =>
        {
            foreach (var status in new[] { "429", "503" })
            {
                var response = operation.Operation["responses"]![status];
                Assert.True(response?["headers"]?["Retry-After"] is not null, $"{operation.Method} {operation.Path} {status} has no Retry-After");
                Assert.Equal("#/components/schemas/ProblemDetails", response!["content"]?["application/problem+json"]?["schema"]?["$ref"]?.GetValue<string>());
            }
        });
        Assert.NotNull(document.Root["components"]?["schemas"]?["ProblemDetails"]?["properties"]?["title"]);
    }

    [Fact]
    public async Task Signed_in_operations_require_the_bearer_scheme_and_public_ones_say_they_need_none()
    {
        var document = await FetchAsync();

        var bearer = document.Root["components"]?["securitySchemes"]?[SecuritySchemes.Bearer];
        Assert.Equal("http", bearer?["type"]?.GetValue<string>());
        Assert.Equal("bearer", bearer?["scheme"]?.GetValue<string>());
        Assert.Equal([SecuritySchemes.Bearer], SchemesOf(document.Operation("GET", "/api/cart")!));
        Assert.Contains("401", document.Operation("POST", "/api/checkout")!["responses"]!.AsObject().Select(response => response.Key));
        Assert.Equal([SecuritySchemes.Bearer, SecuritySchemes.OpsCookie], SchemesOf(document.Operation("PUT", "/api/admin/config")!));
        Assert.Contains("403", document.Operation("PUT", "/api/admin/config")!["responses"]!.AsObject().Select(response => response.Key));
        Assert.Empty(document.Operation("GET", "/api/products")!["security"]!.AsArray());
        Assert.DoesNotContain("401", document.Operation("GET", "/api/products")!["responses"]!.AsObject().Select(response => response.Key));
    }

    [Fact]
    public async Task Checkout_documents_its_required_Idempotency_Key_header()
    {
        var document = await FetchAsync();

        var header = document.Operation("POST", "/api/checkout")!["parameters"]!.AsArray()
            .Single(parameter => parameter!["name"]!.GetValue<string>() == RequestHeaders.IdempotencyKey)!;

        Assert.Equal("header", header["in"]!.GetValue<string>());
        Assert.True(header["required"]!.GetValue<bool>());
        Assert.Contains("same order", header["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(Bulwark.Shop.Checkout.CheckoutApi.MaxIdempotencyKeyLength, header["schema"]!["maxLength"]!.GetValue<int>());
    }

    [Fact]
    public async Task Checkout_documents_the_waiting_rooms_Admission_header_and_its_429()
    {
        var document = await FetchAsync();
        var checkout = document.Operation("POST", "/api/checkout")!;

        var header = checkout["parameters"]!.AsArray()
            .Single(parameter => parameter!["name"]!.GetValue<string>() == Bulwark.Shop.WaitingRoom.CheckoutAdmission.Header)!;
        Assert.Equal("header", header["in"]!.GetValue<string>());
        Assert.Contains("/api/waiting-room", header["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("429", checkout["responses"]!.AsObject().Select(response => response.Key));
        Assert.NotNull(document.Operation("POST", "/api/waiting-room"));
        Assert.NotNull(document.Operation("GET", "/api/waiting-room/{ticket}"));
    }

    [Fact]
    public async Task A_pipeline_refusal_answers_as_documented()
    {
        using var client = shop.Client();

        using var response = await client.GetAsync("/api/cart");

        Assert.Equal(StatusCodes.Status401Unauthorized, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<ServedDocument> FetchAsync()
    {
        using var client = shop.Client();
        return await ServedDocument.FetchAsync(client);
    }

    private IEnumerable<(string Method, string Path, RouteEndpoint Endpoint)> Routes() =>
        from endpoint in shop.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
        // A route for every method (health checks) is documented by its GET.
        from method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]
        select (method, ServedDocument.PathOf(endpoint), endpoint);

    private IEnumerable<ApiDescription> ApiDescriptions() =>
        shop.App.Services.GetRequiredService<IApiDescriptionGroupCollectionProvider>().ApiDescriptionGroups.Items.SelectMany(group => group.Items);

    private static bool IsReference(string path) =>
        path == ReferencePrefix || path.StartsWith(ReferencePrefix + "/", StringComparison.Ordinal);

    private static string[] SchemesOf(JsonObject operation) =>
        [.. operation["security"]!.AsArray().SelectMany(requirement => requirement!.AsObject().Select(scheme => scheme.Key))];

    private static string Name(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>"
        : type.Name;
}
