using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;

namespace Bulwark.Shop.Operations.Dashboard;

/// <summary>
/// The priority of each route, read from the endpoints' own metadata, so the dashboard can split the
/// request metrics (tagged with <c>http.route</c>) by the priority the gate gives them.
/// </summary>
public sealed class RoutePriorities(EndpointDataSource endpoints)
{
    private IReadOnlyDictionary<string, Priority>? _byRoute;

    public Priority? Of(string? route)
    {
        if (route is null)
        {
            return null;
        }

        _byRoute ??= Build(endpoints);
        return _byRoute.TryGetValue(route, out var priority) ? priority : null;
    }

    private static Dictionary<string, Priority> Build(EndpointDataSource endpoints)
    {
        var byRoute = new Dictionary<string, Priority>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.RoutePattern.RawText is { } route && PriorityOf(endpoint) is { } priority)
            {
                // Several methods share a route (GET and PUT on the cart); they share its priority too.
                byRoute.TryAdd(route, priority);
            }
        }

        return byRoute;
    }

    /// <summary>
    /// Only endpoints that declare a priority are shop traffic; health checks, scrapes and the dashboard
    /// itself declare none and stay out of the per-priority rates.
    /// </summary>
    private static Priority? PriorityOf(Endpoint endpoint) => endpoint.Metadata.GetMetadata<PriorityMetadata>()?.Priority;
}
