namespace Bulwark.Shop.RuntimeSettings;

/// <summary>A part of the shop that takes new settings while it runs (the gate, the catalog cache).</summary>
public interface IRuntimeSettingsConsumer
{
    void Apply(ShopSettings settings);
}
