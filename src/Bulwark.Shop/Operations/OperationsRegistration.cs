using Bulwark.Shop.Operations.Dashboard;
using Bulwark.Shop.Operations.Metrics;

namespace Bulwark.Shop.Operations;

/// <summary>What operators use: <c>/metrics</c>, OTLP when configured, and the <c>/ops</c> dashboard.</summary>
public static class OperationsRegistration
{
    public static void AddOperations(this WebApplicationBuilder builder)
    {
        builder.AddShopTelemetry();
        builder.AddOpsDashboard();
    }

    public static void MapOperations(this WebApplication app)
    {
        app.MapMetricsApi();
        app.MapOpsDashboard();
    }
}
