namespace Bulwark.Shop.Operations.Metrics;

/// <summary>The meters the shop exposes, on <c>/metrics</c>, on the dashboard and over OTLP alike.</summary>
public static class MetricSources
{
    /// <summary>The shop's own instruments (readiness).</summary>
    public const string ShopMeter = "Bulwark.Shop";

    public static IReadOnlyList<string> MeterNames { get; } =
    [
        "Bulwark.Guard",                       // the gate: limit, admissions, refusals, leases
        ShopMeter,
        "Npgsql",                              // the physical pool and commands
        "Microsoft.AspNetCore.Hosting",        // http.server.request.duration
        "Microsoft.AspNetCore.Server.Kestrel", // connections and queues at the socket
        "System.Runtime",                      // GC, thread pool, CPU, memory (.NET 9+)
    ];
}
