using System.Diagnostics.Metrics;
using Bulwark.Shop.Operations.Metrics;

namespace Bulwark.Shop.RuntimeSettings;

/// <summary>
/// What became of the configuration this instance was deployed with: applied as a new version, unchanged
/// since the last deploy, or refused (the instance runs on the last good version). A refusal is the metric
/// <c>bulwark.settings.deploy.refused</c>, which Prometheus turns into an alert: the deploy did not do what
/// whoever shipped it meant, and nothing else would say so.
/// </summary>
public sealed class DeployStatus
{
    public const string RefusedInstrument = "bulwark.settings.deploy.refused";

    private volatile DeployOutcome _outcome = new("pending", "the shipped configuration has not been compared with the database yet", null, []);

    public DeployStatus(IMeterFactory meters) =>
        meters.Create(ShopTelemetry.MeterName).CreateObservableGauge(RefusedInstrument, () => Outcome.State == Refused ? 1 : 0,
            description: "1 while this instance's shipped configuration was refused and it runs on the last good settings version.");

    public const string Refused = "refused";

    public DeployOutcome Outcome => _outcome;

    public void Record(DeployOutcome outcome) => _outcome = outcome;
}

/// <summary>
/// <paramref name="State"/>: pending, applied (as <paramref name="Version"/>), unchanged, or refused (with
/// each key and why in <paramref name="Problems"/>).
/// </summary>
public sealed record DeployOutcome(string State, string Detail, int? Version, IReadOnlyList<string> Problems);
