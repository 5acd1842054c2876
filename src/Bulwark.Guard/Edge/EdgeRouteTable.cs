using Bulwark.Guard.Gate;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Bulwark.Guard.Edge;

/// <summary>What the edge must know about a request's endpoint before routing has run.</summary>
public readonly record struct EdgeRoute(Priority Priority, bool LoginThrottle, bool DeferredShedding, bool Exempt = false,
    IPreAdmission? PreAdmission = null)
{
    /// <summary>A request that matches no mapped route: treated like ordinary user work.</summary>
    public static EdgeRoute Unmapped { get; } = new(Priority.Normal, LoginThrottle: false, DeferredShedding: false);
}

/// <summary>
/// The endpoints' admission metadata, precomputed from the app's route patterns so the edge can refuse
/// a request before routing, authentication, model binding or JSON: matching a method and path here is
/// a walk over a few literal segments, with no allocation. Built once, on the first request, when every
/// endpoint has been mapped.
/// </summary>
/// <remarks>
/// Route constraints are not checked: a path that routing would turn into a 404 may be classed as the
/// endpoint it resembles, which only decides how it is shed. The most literal pattern wins, as in
/// routing (<c>/api/orders/recent</c> before <c>/api/orders/{id}</c>).
/// </remarks>
public sealed class EdgeRouteTable(EndpointDataSource endpoints)
{
    private Entry[]? _entries;

    public EdgeRoute Match(string method, PathString path)
    {
        var entries = _entries ??= Build(endpoints.Endpoints);
        var value = path.Value.AsSpan();
        foreach (var entry in entries)
        {
            if (entry.Allows(method) && entry.Matches(value))
            {
                return entry.Route;
            }
        }

        return EdgeRoute.Unmapped;
    }

    internal static Entry[] Build(IEnumerable<Endpoint> endpoints) =>
    [
        .. endpoints.OfType<RouteEndpoint>()
            .Select(Entry.From)
            .OrderByDescending(entry => entry.Segments.Count(segment => segment is not null))
            .ThenByDescending(entry => entry.Segments.Length)
            .ThenBy(entry => entry.CatchAll),
    ];

    internal sealed record Entry(string[]? Methods, string?[] Segments, bool CatchAll, EdgeRoute Route)
    {
        public static Entry From(RouteEndpoint endpoint)
        {
            var pattern = endpoint.RoutePattern;
            var catchAll = false;
            var segments = new List<string?>();
            foreach (var segment in pattern.PathSegments)
            {
                if (segment.IsSimple && segment.Parts[0] is RoutePatternLiteralPart literal)
                {
                    segments.Add(literal.Content);
                }
                else if (segment.IsSimple && segment.Parts[0] is RoutePatternParameterPart { IsCatchAll: true })
                {
                    catchAll = true;
                }
                else
                {
                    // A parameter, or a complex segment such as {name}.{ext}: any one segment.
                    segments.Add(null);
                }
            }

            var metadata = endpoint.Metadata;
            var route = new EdgeRoute(
                metadata.GetMetadata<PriorityMetadata>()?.Priority ?? Priority.Normal,
                metadata.GetMetadata<LoginThrottleMetadata>() is not null,
                metadata.GetMetadata<DeferredSheddingMetadata>() is not null,
                metadata.GetMetadata<AdmissionExemptMetadata>() is not null,
                metadata.GetMetadata<PreAdmissionMetadata>()?.Check);
            var methods = metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            return new Entry(methods is { Count: > 0 } ? [.. methods] : null, [.. segments], catchAll, route);
        }

        public bool Allows(string method)
        {
            if (Methods is null)
            {
                return true;
            }

            foreach (var allowed in Methods)
            {
                if (string.Equals(allowed, method, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        public bool Matches(ReadOnlySpan<char> path)
        {
            var rest = path.TrimStart('/');
            for (var i = 0; i < Segments.Length; i++)
            {
                if (rest.IsEmpty)
                {
                    return false;
                }

                var slash = rest.IndexOf('/');
                var segment = slash < 0 ? rest : rest[..slash];
                rest = slash < 0 ? [] : rest[(slash + 1)..];
                if (segment.IsEmpty || (Segments[i] is { } literal && !segment.Equals(literal, StringComparison.OrdinalIgnoreCase)))
                {
                    return false;
                }
            }

            // A trailing slash is the same path to routing.
            return CatchAll || rest.TrimEnd('/').IsEmpty;
        }
    }
}
