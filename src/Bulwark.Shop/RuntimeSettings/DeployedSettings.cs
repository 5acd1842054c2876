using Bulwark.Guard.Deadlines;
using Bulwark.Shop.Database;

namespace Bulwark.Shop.RuntimeSettings;

/// <summary>
/// Treats the configuration a deploy ships (appsettings, environment, command line) as the desired state.
/// On start, the keys whose shipped value differs from the previous deploy's are validated like an admin
/// change and recorded as a new version "by deploy"; keys the deploy did not touch keep whatever operators
/// set through the API. A change the live system cannot take (incident 4: a pool below the measured peak)
/// is refused: the instance runs on the last good version, logs each key and why, stays ready, and
/// <see cref="DeployStatus"/> raises the alert. Without this, the database's version silently won over
/// the deploy and nobody learned that the shipped configuration was not in force.
/// </summary>
public sealed class DeployedSettings(SettingsStore store, SettingsValidator validator, ShippedSettings shipped, DeployStatus status,
    SettingsApplier applier, TimeProvider clock, ILogger<DeployedSettings> logger) : IStartupTask
{
    public const string ChangedBy = "deploy";

    private const int Attempts = 5;

    private static readonly Audit.AuditActor Deployer = Audit.AuditActor.System(ChangedBy);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var deadline = RequestDeadline.Set(clock.GetUtcNow() + TimeSpan.FromSeconds(10));
        // Instances of a rolling restart start together; a save that lost the race is judged again on the winner's version.
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            if (await TryApplyAsync(cancellationToken))
            {
                // In force at once, before the other start-up work: until now the gate ran on the shipped values,
                // which for a refused deploy are the very ones that must not be (a ceiling of 1 starved the start).
                await applier.ApplyLatestAsync(cancellationToken);
                return;
            }
        }

        throw new InvalidOperationException($"Other settings changes kept landing while the deployed configuration was compared ({Attempts} attempts).");
    }

    private async Task<bool> TryApplyAsync(CancellationToken cancellationToken)
    {
        var current = await store.CurrentAsync(cancellationToken);
        if (current is null)
        {
            var first = await store.SaveAsync(null, shipped.Settings, Deployer, "initial settings from the shop's configuration", null,
                shipped.Settings, cancellationToken);
            if (first is not null)
            {
                status.Record(new DeployOutcome("applied", "the shipped configuration is the first settings version", first.Version, []));
            }

            return first is not null;
        }

        // A database from before deploys were recorded: whatever is in force counts as the last deploy.
        var previous = await store.LastDeployedAsync(cancellationToken) ?? current.Settings;
        var changes = SettingsJson.Diff(previous, shipped.Settings);
        if (changes.Count == 0)
        {
            status.Record(new DeployOutcome("unchanged", $"the shipped configuration is the one deployed before; version {current.Version} is in force",
                current.Version, []));
            return true;
        }

        var described = string.Join(", ", changes.Select(change => $"{change.Path} {change.From ?? "unset"} → {change.To ?? "unset"}"));
        var proposed = SettingsJson.FromNode(SettingsJson.Merge(SettingsJson.ToNode(current.Settings),
            SettingsJson.Patch(shipped.Settings, changes.Select(change => change.Path))));
        var verdict = await validator.JudgeAsync(proposed, cancellationToken);
        if (!verdict.Accepted)
        {
            var problems = verdict.Problems.ToList();
            status.Record(new DeployOutcome(DeployStatus.Refused,
                $"the deploy's change ({described}) was refused; this instance runs on version {current.Version}", current.Version, problems));
            logger.LogError("Deployed configuration refused; this instance keeps runtime settings version {Version}. The deploy changes {Changes}. " +
                "Refused: {Problems}. Fix the configuration and deploy again, or change the settings through PUT /api/admin/config.",
                current.Version, described, string.Join(" | ", problems));
            return true;
        }

        var saved = await store.SaveAsync(current, proposed, Deployer, $"deploy: {described}", null, shipped.Settings, cancellationToken);
        if (saved is null)
        {
            return false;
        }

        status.Record(new DeployOutcome("applied", $"the deploy's change ({described}) is version {saved.Version}", saved.Version, []));
        logger.LogInformation("Deployed configuration recorded as runtime settings version {Version}: {Changes}", saved.Version, described);
        return true;
    }
}

/// <summary>The settings in the configuration this instance was deployed with (sections <c>Guard</c> and <c>Catalog</c>).</summary>
public sealed record ShippedSettings(ShopSettings Settings);
