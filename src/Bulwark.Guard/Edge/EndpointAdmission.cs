using Bulwark.Guard.Gate;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Bulwark.Guard.Edge;

/// <summary>Endpoint metadata: the priority of the work behind an endpoint.</summary>
public sealed record PriorityMetadata(Priority Priority);

/// <summary>Endpoint metadata: a sign-in endpoint; an address with too many failed sign-ins is refused at the edge.</summary>
public sealed record LoginThrottleMetadata;

/// <summary>Endpoint metadata: shed at the gate, not at the edge (the endpoint usually answers from a cache).</summary>
public sealed record DeferredSheddingMetadata;

/// <summary>Endpoint metadata: never refused by the edge (monitoring that must answer most when the shop is overloaded).</summary>
public sealed record AdmissionExemptMetadata;

/// <summary>
/// A check, made at the edge before authentication, that a request already holds a turn given out upstream (e.g. a
/// waiting room's signed admission). It must be cheap and allocation-light: it runs for every request to its endpoint
/// that the edge would otherwise shed.
/// </summary>
public interface IPreAdmission
{
    bool IsPreAdmitted(HttpRequest request);
}

/// <summary>Endpoint metadata: requests that <see cref="Check"/> accepts are not shed by the edge.</summary>
public sealed record PreAdmissionMetadata(IPreAdmission Check);

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

    /// <summary>
    /// Marks an endpoint whose requests may carry a turn metered upstream (a waiting room admits buyers at the rate
    /// checkout can be served): a request <paramref name="check"/> accepts is not shed by the edge for queue delay —
    /// telling a buyer whose turn came "busy, come back" hands the turn to chance. It still counts against its
    /// client's rate, and the gate and its deadline still bound it. Others are shed as usual.
    /// </summary>
    public static TBuilder WithPreAdmission<TBuilder>(this TBuilder builder, IPreAdmission check)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new PreAdmissionMetadata(check));

    /// <summary>
    /// Marks an endpoint whose order of arrival is the product (taking a place in a waiting room's line): shed for
    /// queue delay, it would hand the earlier place to whoever retries fastest, so the edge does not shed it. It must
    /// be cheap and bounded by something other than the crowd's size (one place per user); its clients' rates are
    /// still limited, and the gate and the deadline still bound it.
    /// </summary>
    public static TBuilder WithoutShedding<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithPreAdmission(Always.Instance);

    /// <summary>Every request counts as admitted upstream: the endpoint's own rule (one place per user) bounds it.</summary>
    private sealed class Always : IPreAdmission
    {
        public static readonly Always Instance = new();

        public bool IsPreAdmitted(HttpRequest request) => true;
    }
}
