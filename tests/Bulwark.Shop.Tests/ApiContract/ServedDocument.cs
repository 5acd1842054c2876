using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Bulwark.Shop.Tests.ApiContract;

/// <summary>The OpenAPI document as the shop serves it, read as plain JSON: what a client sees.</summary>
public sealed class ServedDocument(JsonObject root)
{
    public const string Path = "/openapi/v1.json";

    public JsonObject Root { get; } = root;

    public static async Task<ServedDocument> FetchAsync(HttpClient client) =>
        new(JsonNode.Parse(await client.GetStringAsync(Path))!.AsObject());

    public JsonObject? Operation(string method, string path) =>
        Root["paths"]?[path]?[method.ToLowerInvariant()]?.AsObject();

    public IEnumerable<(string Method, string Path, JsonObject Operation)> Operations() =>
        from path in Root["paths"]!.AsObject()
        from member in path.Value!.AsObject()
        where member.Value is JsonObject { } && member.Key is not ("parameters" or "servers" or "summary" or "description")
        select (member.Key.ToUpperInvariant(), path.Key, member.Value!.AsObject());

    public static IReadOnlySet<int> Statuses(JsonObject operation) =>
        operation["responses"]!.AsObject().Select(response => int.Parse(response.Key, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();

    /// <summary>A route as OpenAPI writes it: parameters by name only (<c>/api/products/{id}</c> for <c>{id:long}</c>).</summary>
    public static string PathOf(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart parameter => $"{{{parameter.Name}}}",
            _ => "",
        }))));

    public static string PathOf(RouteEndpoint endpoint) => PathOf(endpoint.RoutePattern);
}
