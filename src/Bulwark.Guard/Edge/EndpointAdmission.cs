using Bulwark.Guard.Gate;
using Microsoft.AspNetCore.Builder;

namespace Bulwark.Guard.Edge;

/// <summary>Endpoint metadata: the priority of the work behind an endpoint.</summary>
public sealed record PriorityMetadata(Priority Priority);

/// <summary>Endpoint metadata: a sign-in endpoint, throttled per address against password guessing.</summary>
public sealed record LoginThrottleMetadata;

/// <summary>How endpoints declare what the edge needs to know about them.</summary>
public static class EndpointAdmission
{
    /// <summary>Sets the endpoint's priority (default <see cref="Priority.Normal"/>): its deadline, shedding target and queue.</summary>
    public static TBuilder WithPriority<TBuilder>(this TBuilder builder, Priority priority)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new PriorityMetadata(priority));

    /// <summary>
    /// Marks a sign-in endpoint: the edge limits attempts per client address; the handler should also
    /// ask <see cref="LoginThrottle"/> per account once it has read the account from the body.
    /// </summary>
    public static TBuilder WithLoginThrottle<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new LoginThrottleMetadata());
}
