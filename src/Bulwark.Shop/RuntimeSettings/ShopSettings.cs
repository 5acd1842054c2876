using Bulwark.Guard.Gate;

namespace Bulwark.Shop.RuntimeSettings;

/// <summary>What an operator may change while the shop runs, on every instance at once.</summary>
public sealed record ShopSettings
{
    /// <summary>The database gate: floor, ceiling, algorithm, deadlines, reserved share, queue targets, rate limits.</summary>
    public GateSettings Guard { get; init; } = new();

    public CatalogSettings Catalog { get; init; } = new();
}

public sealed record CatalogSettings
{
    /// <summary>Lifetime of cached catalog reads; zero disables the cache.</summary>
    public TimeSpan CacheTtl { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>One numbered version of the settings, with who changed what, when and why.</summary>
public sealed record SettingsVersion(int Version, ShopSettings Settings, DateTime ChangedAt, string ChangedBy, string Reason,
    IReadOnlyList<SettingChange> Diff, int? RollbackOf);

/// <summary>One changed value, by JSON path (e.g. <c>guard.ceiling</c>).</summary>
public sealed record SettingChange(string Path, string? From, string? To);
