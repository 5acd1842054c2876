using Bulwark.Guard.Gate;

namespace Bulwark.Shop.Hosting;

// Temporary until Bulwark.Guard's edge metadata lands.
internal static class EndpointPriorityShim
{
    public static TBuilder WithPriority<TBuilder>(this TBuilder builder, Priority priority) where TBuilder : IEndpointConventionBuilder => builder;
    public static TBuilder WithLoginThrottle<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder => builder;
}
