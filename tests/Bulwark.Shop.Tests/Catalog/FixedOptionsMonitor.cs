using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Tests.Catalog;

/// <summary>Options that never change, for a class that asks for a monitor.</summary>
internal sealed class FixedOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
