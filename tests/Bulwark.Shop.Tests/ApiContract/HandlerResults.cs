using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Bulwark.Shop.Tests.ApiContract;

/// <summary>
/// What a handler's declared result type says it answers: <c>Results&lt;Ok&lt;T&gt;, NotFound&gt;</c> answers 200 and
/// 404, as each result type's own <see cref="IEndpointMetadataProvider"/> states. A <see cref="ProblemHttpResult"/>
/// carries its status at run time, so a handler that returns one may answer any 4xx/5xx problem.
/// </summary>
public sealed record HandlerResults(IReadOnlySet<int> Statuses, bool AnyProblem)
{
    /// <summary>
    /// Results that answer 200 but state no metadata: content and files the handler writes itself, and the
    /// bearer token handler's sign-in answer (the access token as JSON).
    /// </summary>
    private static readonly Type[] PlainSuccess = [typeof(ContentHttpResult), typeof(FileContentHttpResult), typeof(SignInHttpResult)];

    public static HandlerResults Of(MethodInfo handler)
    {
        var declared = Unwrap(handler.ReturnType);
        var members = declared.IsGenericType && typeof(INestedHttpResult).IsAssignableFrom(declared)
            ? declared.GetGenericArguments()
            : [declared];
        var statuses = new HashSet<int>(StatedBy(declared, handler));
        if (members.Any(member => PlainSuccess.Contains(member)))
        {
            statuses.Add(StatusCodes.Status200OK);
        }

        return new HandlerResults(statuses, members.Contains(typeof(ProblemHttpResult)));
    }

    public bool Produces(int status) => Statuses.Contains(status) || (AnyProblem && status >= 400);

    private static Type Unwrap(Type type) =>
        type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>))
            ? type.GetGenericArguments()[0]
            : type;

    /// <summary>The statuses the result type itself puts in endpoint metadata (Results&lt;…&gt; gathers its members').</summary>
    private static IEnumerable<int> StatedBy(Type result, MethodInfo handler)
    {
        if (!typeof(IEndpointMetadataProvider).IsAssignableFrom(result))
        {
            return [];
        }

        var builder = new RouteEndpointBuilder(null, RoutePatternFactory.Parse("/"), 0);
        var populate = result.GetInterfaceMap(typeof(IEndpointMetadataProvider)).TargetMethods.Single();
        populate.Invoke(null, [handler, builder]);
        return builder.Metadata.OfType<IProducesResponseTypeMetadata>().Select(metadata => metadata.StatusCode);
    }
}
