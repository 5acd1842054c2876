namespace Bulwark.Lab.Metrics;

/// <summary>
/// What the shop's /metrics said about its database pool at one instant of a run. A null field
/// means the shop did not export that series (the naive shop has no adaptive limit, for instance).
/// Counters are cumulative as scraped; reports turn them into per-second rates.
/// </summary>
public sealed record PoolSample(
    TimeSpan At,
    double? Used,
    double? Idle,
    double? Max,
    double? Pending,
    double? Limit,
    double? RejectedTotal,
    double? TimeoutsTotal,
    double? CriticalRejectedTotal = null)
{
    /// <summary>Requests the instance has answered so far (<c>http_server_request_duration_seconds_count</c>, every route): per-instance load in a cluster.</summary>
    public double? RequestsTotal { get; init; }

    /// <summary>Catalog reads that reached a database, by where they ran (<c>bulwark_catalog_reads_total{source}</c>).</summary>
    public double? CatalogReadsStandby { get; init; }

    public double? CatalogReadsPrimary { get; init; }

    /// <summary>
    /// Requests refused (429, 503) by "priority reason" (e.g. "critical deadline_unmeetable"), every reason but callers who
    /// gave up themselves: which queue or limit said no. Null when the shop exports no admission counter.
    /// </summary>
    public IReadOnlyDictionary<string, double>? RefusedByCause { get; init; }

    /// <summary>All of those refusals: what the shop answered with a refusal.</summary>
    public double? RefusedTotal => RefusedByCause?.Values.Sum();

    /// <summary>How late the shop ran queued work (<c>bulwark_processing_delay_seconds</c>): the floor of its last 100 ms, which the edge sheds on.</summary>
    public double? ProcessingDelayStanding { get; init; }

    /// <summary>Share of the pool in use, 0..1, when both numbers are known.</summary>
    public double? Utilization => Used is { } used && Max is > 0 and { } max ? used / max : null;

    public const string ScopeLabel = "otel_scope_name";
    public const string GateScope = "Bulwark.Guard";
    public const string NpgsqlScope = "Npgsql";

    public static PoolSample From(TimeSpan at, IReadOnlyList<PrometheusSample> all)
    {
        // The gate and Npgsql both publish db.client.connection.* (admitted leases and physical
        // connections); adding them would count each busy connection twice. Like the shop's alert
        // rules and dashboard, read the gate's view when it is there, else Npgsql's.
        var pool = all.Where(s => s.Name.StartsWith("db_client_connection", StringComparison.Ordinal)).ToList();
        var scope = pool.Any(s => s.Label(ScopeLabel) == GateScope) ? GateScope
            : pool.Any(s => s.Label(ScopeLabel) == NpgsqlScope) ? NpgsqlScope
            : null;
        IReadOnlyList<PrometheusSample> samples = scope is null
            ? all
            : [.. all.Where(s => !s.Name.StartsWith("db_client_connection", StringComparison.Ordinal) || s.Label(ScopeLabel) == scope)];

        // Npgsql and the OpenTelemetry exporter have spelled these names two ways across versions;
        // take whichever the shop exports rather than reporting a missing series.
        var countName = samples.FirstPresent("db_client_connection_count", "db_client_connections_usage");
        double? Count(string state) => countName is null
            ? null
            : samples.Sum(countName, ("db_client_connection_state", state)) ?? samples.Sum(countName, ("state", state));

        var refused = RefusedByCauseOf(samples);
        return new PoolSample(
            at,
            Used: Count("used"),
            Idle: Count("idle"),
            Max: SumFirst(samples, "db_client_connection_max", "db_client_connections_max"),
            Pending: SumFirst(samples, "db_client_connection_pending_requests", "db_client_connections_pending_requests"),
            Limit: SumFirst(samples, "bulwark_db_limit"),
            RejectedTotal: SumFirst(samples, "bulwark_admission_rejected_total", "bulwark_admission_rejected"),
            TimeoutsTotal: SumFirst(samples, "db_client_connection_timeouts_total", "db_client_connections_timeouts_total"),
            // Checkout and payment settlement work refused (as the alert rule counts).
            CriticalRejectedTotal: refused?.Where(c => c.Key.StartsWith(CriticalCause, StringComparison.Ordinal)).Sum(c => c.Value))
        {
            RequestsTotal = SumFirst(samples, "http_server_request_duration_seconds_count"),
            CatalogReadsStandby = samples.Sum("bulwark_catalog_reads_total", ("source", "standby")),
            CatalogReadsPrimary = samples.Sum("bulwark_catalog_reads_total", ("source", "primary")),
            RefusedByCause = refused,
            ProcessingDelayStanding = samples.Sum("bulwark_processing_delay_seconds", ("kind", "standing")),
        };
    }

    const string CriticalCause = "critical ";

    static Dictionary<string, double>? RefusedByCauseOf(IReadOnlyList<PrometheusSample> samples)
    {
        if (samples.FirstPresent("bulwark_admission_rejected_total", "bulwark_admission_rejected") is not { } name) return null;
        return samples.Where(s => s.Name == name && s.Label("reason") != "cancelled")
            .GroupBy(s => $"{s.Label("priority")} {s.Label("reason")}")
            .ToDictionary(g => g.Key, g => g.Sum(s => s.Value));
    }

    /// <summary>What was refused between two samples, by cause, largest first ("critical deadline_unmeetable 120, …"); null when nothing was.</summary>
    public static string? DescribeRefusals(PoolSample before, PoolSample after)
    {
        var grown = (after.RefusedByCause ?? new Dictionary<string, double>())
            .Select(c => (Cause: c.Key, Count: c.Value - (before.RefusedByCause?.GetValueOrDefault(c.Key) ?? 0)))
            .Where(c => c.Count > 0)
            .OrderByDescending(c => c.Count)
            .Select(c => $"{c.Cause} {c.Count:0}")
            .ToList();
        return grown.Count == 0 ? null : string.Join(", ", grown);
    }

    static double? SumFirst(IReadOnlyList<PrometheusSample> samples, params string[] names) =>
        samples.FirstPresent(names) is { } name ? samples.Sum(name) : null;
}
