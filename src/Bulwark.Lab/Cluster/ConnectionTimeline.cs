using System.Globalization;

namespace Bulwark.Lab.Cluster;

/// <summary>
/// The primary's connections at one instant, as <c>pg_stat_activity</c> showed them: client backends counted
/// by <c>application_name</c>, other backends (walsender, autovacuum, checkpointer…) by <c>backend_type</c>;
/// and the instances the shared budget counted then (<c>bulwark_guard_instances</c> rows; null where the
/// table does not exist, as with the naive shops).
/// </summary>
public sealed record ConnectionSample(double AtSeconds, IReadOnlyDictionary<string, int> ByName, int? Instances)
{
    /// <summary>Where a backend is counted: client backends by application name, the rest by their kind.</summary>
    public static string NameOf(string backendType, string? applicationName) =>
        backendType == "client backend" ? (string.IsNullOrEmpty(applicationName) ? "(unnamed client)" : applicationName) : backendType;

    /// <summary>
    /// The shops' pooled server connections: every client backend but the shops' direct sessions (the migration
    /// lock and LISTEN, two per instance outside the budget by design), the lab's own observers and the standby's
    /// replication (a walsender, not a client backend). Behind PgBouncer these are PgBouncer's server connections,
    /// which carry the shops' <c>application_name</c>; for the naive shops, their own pools.
    /// </summary>
    public int Pooled => ByName.Where(n => IsPooled(n.Key)).Sum(n => n.Value);

    public int Direct => ByName.GetValueOrDefault(DirectSession);

    public const string DirectSession = "bulwark-session";

    static bool IsPooled(string name) =>
        name != DirectSession
        && !name.StartsWith("bulwark-lab", StringComparison.Ordinal)
        && !name.StartsWith("Bulwark.", StringComparison.Ordinal)
        && !IsBackground(name);

    /// <summary>A server process that is no client's connection (named by its backend type).</summary>
    public static bool IsBackground(string name) => Background.Contains(name);

    static readonly HashSet<string> Background =
    [
        "walsender", "walwriter", "autovacuum launcher", "autovacuum worker", "background writer", "checkpointer",
        "logical replication launcher", "startup", "archiver", "background worker", "walreceiver",
    ];
}

/// <summary>What the samples of a run say about the connections against the budget.</summary>
/// <param name="Budget">Server connections the instances share (PgBouncer's pool, from the manifest).</param>
/// <param name="ServerMaxConnections">The primary's <c>max_connections</c>.</param>
/// <param name="OverBudget">Samples whose pooled connections were above the budget.</param>
/// <param name="Timeline">Every sample, in time order (about two a second).</param>
public sealed record ConnectionReport(
    int Budget,
    int ServerMaxConnections,
    int Samples,
    int MaxPooled,
    int MaxDirect,
    int MaxClientBackends,
    int OverBudget,
    IReadOnlyDictionary<string, int> PeakByName,
    IReadOnlyList<ConnectionSample> Timeline)
{
    public static ConnectionReport Of(IReadOnlyList<ConnectionSample> samples, int budget, int serverMaxConnections)
    {
        var ordered = samples.OrderBy(s => s.AtSeconds).ToList();
        var peaks = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var sample in ordered)
            foreach (var (name, count) in sample.ByName)
                peaks[name] = Math.Max(peaks.GetValueOrDefault(name), count);
        return new ConnectionReport(
            budget,
            serverMaxConnections,
            ordered.Count,
            ordered.Count == 0 ? 0 : ordered.Max(s => s.Pooled),
            ordered.Count == 0 ? 0 : ordered.Max(s => s.Direct),
            ordered.Count == 0 ? 0 : ordered.Max(s => s.ByName.Where(n => !ConnectionSample.IsBackground(n.Key)).Sum(n => n.Value)),
            ordered.Count(s => s.Pooled > budget),
            peaks,
            ordered);
    }

    /// <summary>
    /// How long after <paramref name="atSeconds"/> (an instance killed) the budget counted only the
    /// <paramref name="survivors"/>: the first sample from then on whose instance count is at most that. Null
    /// when it never did within the samples, or the budget was not shared (no counts).
    /// </summary>
    public double? ResharedAfter(double atSeconds, int survivors) =>
        Timeline.FirstOrDefault(s => s.AtSeconds >= atSeconds && s.Instances is { } n && n <= survivors) is { } first
            ? first.AtSeconds - atSeconds
            : null;

    /// <summary>The most pooled connections from <paramref name="fromSeconds"/> on.</summary>
    public int MaxPooledFrom(double fromSeconds) =>
        Timeline.Where(s => s.AtSeconds >= fromSeconds).Select(s => s.Pooled).DefaultIfEmpty(0).Max();

    /// <summary>The most pooled connections in each second of the run (null where no sample came), for the report's chart.</summary>
    public IReadOnlyList<double?> PooledPerSecond()
    {
        if (Timeline.Count == 0) return [];
        var seconds = new double?[(int)Timeline.Max(s => s.AtSeconds) + 1];
        foreach (var sample in Timeline)
        {
            var i = (int)sample.AtSeconds;
            seconds[i] = Math.Max(seconds[i] ?? 0, sample.Pooled);
        }
        return seconds;
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"pooled server connections peaked at {MaxPooled} (budget {Budget}; above it in {OverBudget} of {Samples} samples), direct sessions at {MaxDirect}, all client backends at {MaxClientBackends} of max_connections {ServerMaxConnections}");
}
