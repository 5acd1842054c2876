using Bulwark.Guard.Deadlines;
using Bulwark.Shop.Database;

namespace Bulwark.Shop.RuntimeSettings;

/// <summary>
/// On a database that has no settings yet, records the static configuration the shop started with as
/// version 1, so there is always a known-good version to roll back to.
/// </summary>
public sealed class SettingsBootstrap(SettingsStore store, InitialSettings initial, TimeProvider clock) : IStartupTask
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var deadline = RequestDeadline.Set(clock.GetUtcNow() + TimeSpan.FromSeconds(10));
        if (await store.CurrentAsync(cancellationToken) is null)
        {
            // Null when another instance saved version 1 first: theirs stands.
            await store.SaveAsync(null, initial.Settings, Audit.AuditActor.System("startup configuration"), "initial settings from the shop's configuration", null, cancellationToken);
        }
    }
}

/// <summary>The settings in the shop's static configuration (appsettings, environment, command line).</summary>
public sealed record InitialSettings(ShopSettings Settings);
