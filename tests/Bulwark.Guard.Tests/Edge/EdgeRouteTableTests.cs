using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Bulwark.Guard.Tests.Edge;

public sealed class EdgeRouteTableTests
{
    private static RouteEndpoint Endpoint(string pattern, string method, params object[] metadata) =>
        new(_ => Task.CompletedTask, RoutePatternFactory.Parse(pattern), 0,
            new EndpointMetadataCollection([new HttpMethodMetadata([method]), .. metadata]), pattern);

    private static readonly EdgeRouteTable Table = new(new DefaultEndpointDataSource(
        Endpoint("/api/products", "GET", new PriorityMetadata(Priority.Sheddable), new DeferredSheddingMetadata()),
        Endpoint("/api/products/{id:long}", "GET", new PriorityMetadata(Priority.Sheddable), new DeferredSheddingMetadata()),
        Endpoint("/api/cart", "GET", new PriorityMetadata(Priority.Normal)),
        Endpoint("/api/cart/items/{productId:long}", "PUT", new PriorityMetadata(Priority.Critical)),
        Endpoint("/api/orders/{id}", "GET", new PriorityMetadata(Priority.Normal)),
        Endpoint("/api/orders/recent", "GET", new PriorityMetadata(Priority.Sheddable)),
        Endpoint("/api/sessions", "POST", new LoginThrottleMetadata()),
        Endpoint("/assets/{**path}", "GET", new PriorityMetadata(Priority.Sheddable))));

    [Theory]
    [InlineData("GET", "/api/products", Priority.Sheddable, false, true)]
    [InlineData("get", "/API/Products/", Priority.Sheddable, false, true)]
    [InlineData("GET", "/api/products/42", Priority.Sheddable, false, true)]
    [InlineData("PUT", "/api/cart/items/7", Priority.Critical, false, false)]
    [InlineData("GET", "/api/cart", Priority.Normal, false, false)]
    [InlineData("GET", "/api/orders/recent", Priority.Sheddable, false, false)]
    [InlineData("GET", "/api/orders/9", Priority.Normal, false, false)]
    [InlineData("POST", "/api/sessions", Priority.Normal, true, false)]
    [InlineData("GET", "/assets/js/app.js", Priority.Sheddable, false, false)]
    public void Finds_the_endpoints_admission_metadata_from_method_and_path(string method, string path, Priority priority, bool login, bool deferred) =>
        Assert.Equal(new EdgeRoute(priority, login, deferred), Table.Match(method, new PathString(path)));

    [Theory]
    [InlineData("DELETE", "/api/cart/items/7")]
    [InlineData("PUT", "/api/cart/items")]
    [InlineData("PUT", "/api/cart/items/7/extra")]
    [InlineData("GET", "/nowhere")]
    [InlineData("GET", "/")]
    public void A_request_that_matches_no_route_is_ordinary_work(string method, string path) =>
        Assert.Equal(EdgeRoute.Unmapped, Table.Match(method, new PathString(path)));
}
