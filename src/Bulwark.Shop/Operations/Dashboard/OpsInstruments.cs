namespace Bulwark.Shop.Operations.Dashboard;

/// <summary>The OpenTelemetry instruments the dashboard reads (DESIGN.md, "Metrics").</summary>
public static class OpsInstruments
{
    public const string GuardMeter = "Bulwark.Guard";
    public const string NpgsqlMeter = "Npgsql";

    public const string ConnectionCount = "db.client.connection.count";
    public const string ConnectionState = "db.client.connection.state";
    public const string ConnectionMax = "db.client.connection.max";
    public const string PendingRequests = "db.client.connection.pending_requests";
    public const string WaitTime = "db.client.connection.wait_time";
    public const string Limit = "bulwark.db.limit";
    public const string Rejected = "bulwark.admission.rejected";
    public const string RequestDuration = "http.server.request.duration";

    public const string PriorityTag = "priority";
    public const string ReasonTag = "reason";
    public const string RouteTag = "http.route";
    public const string StatusTag = "http.response.status_code";
}
