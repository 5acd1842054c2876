using Bulwark.Guard.Gate;
using Microsoft.AspNetCore.Builder;

namespace Bulwark.Guard.Edge;

/// <summary>Endpoint metadata: the priority of the work behind an endpoint.</summary>
public sealed record PriorityMetadata(Priority Priority);

/// <summary>Endpoint metadata: a sign-in endpoint; an address with too many failed sign-ins is refused at the edge.</summary>
public sealed record LoginThrottleMetadata;

/// <summary>Endpoint metadata: shed at the gate, not at the edge (the endpoint usually answers from a cache).</summary>
public sealed record DeferredSheddingMetadata;

/// <summary>Endpoint metadata: never refused by the edge (monitoring that must answer most when the shop is overloaded).</summary>
public sealed record AdmissionExemptMetadata;

/// <summary>How endpoints declare what the edge needs to know about them.</summary>
public static class EndpointAdmission
{
    /// <summary>Sets the endpoint's priority (default <see cref="Priority.Normal"/>): its deadline, shedding target and queue.</summary>
    public static TBuilder WithPriority<TBuilder>(this TBuilder builder, Priority priority)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new PriorityMetadata(priority));

    /// <summary>
    /// Marks a sign-in endpoint: the edge refuses an address that has failed too often lately. The handler
    /// asks <see cref="LoginThrottle.Admit"/> (address and account) before verifying and reports
    /// <see cref="LoginThrottle.RecordFailure"/> after a wrong password: only failures count.
    /// </summary>
    public static TBuilder WithLoginThrottle<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new LoginThrottleMetadata());

    /// <summary>
    /// Marks an endpoint that usually answers without the database (e.g. from a cache): the edge does not
    /// shed it up front; the gate applies the same queue-delay test only when it asks for a connection.
    /// </summary>
    public static TBuilder WithDeferredShedding<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DeferredSheddingMetadata());

    /// <summary>
    /// Marks an operational endpoint (metrics scrape, health probes) that the edge never rate-limits or
    /// sheds: a shop shedding its own monitoring under overload goes blind exactly when it is needed, and a
    /// load balancer that sees failed probes takes healthy instances out. Such endpoints must stay cheap and
    /// must not use the gate's connections for work of their own.
    /// </summary>
    public static TBuilder WithoutAdmission<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AdmissionExemptMetadata());
}
