using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bulwark.Lab.Cluster;

/// <summary>One shop instance (or the payment sandbox) of the cluster: where it answers and its process.</summary>
public sealed record ClusterProcess(string Url, int Pid);

/// <summary>
/// <c>cluster.json</c>: what is running and how to reach it. The first six fields are the (<c>nginx</c>,
/// <c>instances</c>, <c>primary</c>, <c>standbys</c>, <c>pgbouncer</c> as connection strings, <c>budget</c>); the
/// rest is what <c>down</c> needs to stop it all. Written after each part comes up, so a run that fails (or a lab
/// that is killed) half-way can still be taken down. The connection strings carry the cluster's generated
/// password: a loopback lab, but do not publish the file.
/// </summary>
public sealed record ClusterManifest
{
    public string? Nginx { get; init; }
    public IReadOnlyList<ClusterProcess> Instances { get; init; } = [];
    public string? Primary { get; init; }
    public IReadOnlyList<string> Standbys { get; init; } = [];
    [JsonPropertyName("pgbouncer")]
    public string? PgBouncer { get; init; }
    public int Budget { get; init; }
    public ClusterProcess? Sandbox { get; init; }
    [JsonPropertyName("pgbouncerPid")]
    public int? PgBouncerPid { get; init; }
    public int? NginxPid { get; init; }
    public string? PrimaryDirectory { get; init; }
    public IReadOnlyList<string> StandbyDirectories { get; init; } = [];

    /// <summary>Every process id the lab started itself (PostgreSQL is stopped through pg_ctl instead).</summary>
    [JsonIgnore]
    public IEnumerable<int> Pids =>
        Instances.Select(i => i.Pid)
            .Concat(Sandbox is null ? [] : [Sandbox.Pid])
            .Concat(PgBouncerPid is { } bouncer ? [bouncer] : [])
            .Concat(NginxPid is { } nginx ? [nginx] : []);

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task WriteAsync(string path, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(this, Json), ct);
        File.Move(temporary, path, overwrite: true);
    }

    public static async Task<ClusterManifest?> ReadAsync(string path, CancellationToken ct) =>
        File.Exists(path) ? JsonSerializer.Deserialize<ClusterManifest>(await File.ReadAllTextAsync(path, ct), Json) : null;
}
