using Bulwark.Guard.DependencyInjection;
using Bulwark.Guard.Gate;

namespace Bulwark.Shop.RuntimeSettings;

/// <summary>What an operator may change while the shop runs, on every instance at once.</summary>
public sealed record ShopSettings
{
    /// <summary>The database gate: floor, ceiling, algorithm, deadlines, reserved share, queue targets, rate limits.</summary>
    public GateSettings Guard { get; init; } = new();

    public CatalogSettings Catalog { get; init; } = new();

    /// <summary>The settings the static configuration (sections <c>Guard</c> and <c>Catalog</c>) starts the shop with.</summary>
    public static ShopSettings FromConfiguration(IConfiguration configuration) => new()
    {
        Guard = (configuration.GetSection(GuardOptions.Section).Get<GuardOptions>() ?? new GuardOptions()).ToSettings(),
        Catalog = new CatalogSettings
        {
            CacheTtl = (configuration.GetSection(Shop.Catalog.CatalogOptions.Section).Get<Shop.Catalog.CatalogOptions>() ?? new()).CacheTtl,
        },
    };
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
