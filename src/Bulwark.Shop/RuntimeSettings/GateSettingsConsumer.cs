using Bulwark.Guard.Gate;

namespace Bulwark.Shop.RuntimeSettings;

/// <summary>Hands new guard settings to the gate, which swaps them in atomically.</summary>
public sealed class GateSettingsConsumer(IGateControl gate) : IRuntimeSettingsConsumer
{
    public void Apply(ShopSettings settings) => gate.Apply(settings.Guard);
}
