namespace Bulwark.Shop.Tests.Faults;

/// <summary>
/// Fault tests that time every answer against its deadline (a hung or crashed PostgreSQL, a killed shop): run alone,
/// after the parallel collections. Beside them, on a two-core machine, other collections' browsers and crowds added
/// enough to an answer to cross the bound the tests allow a busy machine (a fresh-clone run: three cart updates sent
/// at the instant of a freeze answered after 4.6 s against 4.5 s, where the gate gives up at the deadline plus 1 s).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuredFaultsCollection
{
    public const string Name = "measured-faults";
}
