using System.ComponentModel.DataAnnotations;

namespace Bulwark.Shop.Catalog;

/// <summary>Settings of the catalog (section <c>Catalog</c>).</summary>
public sealed class CatalogOptions
{
    public const string Section = "Catalog";

    /// <summary>
    /// How long a catalog read is served from memory. Short, because stock changes; long enough that a
    /// browse surge is answered from memory instead of from PostgreSQL (incident 2). Zero disables caching.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long past its lifetime an entry is kept to answer requests whose refresh the database gate refused (overload:
    /// shed, or unable to meet the deadline) instead of a 503. Never past a catalog change: an admin change clears the
    /// cache. Zero refuses as the gate does.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ServeStaleOnRefusal { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Upper bound on cached entries, so arbitrary search strings cannot fill the memory.</summary>
    [Range(100, 1_000_000)]
    public int CacheEntries { get; set; } = 20_000;

    /// <summary>
    /// How often an instance checks the catalog revision for a change whose NOTIFY it missed (its listening
    /// connection was down). Changes that were notified are seen at once; this bounds the rest.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan InvalidationCatchUp { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// With <c>ConnectionStrings:ShopReadOnly</c>: catalog reads go to the standbys only while every one of them
    /// has replayed what it received, or is no further behind than this; otherwise to the primary. Measured in
    /// the background every <see cref="ReplicaCheck"/>, not per request.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan MaxReplicaLag { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the standbys' replication lag is measured.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ReplicaCheck { get; set; } = TimeSpan.FromMilliseconds(500);
}
