using System.Text.Json;

namespace Bulwark.Lab.Shop;

/// <summary>
/// Reading the shop's JSON without binding to classes the lab does not own: ids may be numbers or
/// strings, pages may be <c>{items,…}</c> or bare arrays. Only the fields DESIGN.md names are read.
/// </summary>
static class ShopJson
{
    public static JsonElement? Property(this JsonElement element, params string[] names)
    {
        if (element.ValueKind != JsonValueKind.Object) return null;
        foreach (var name in names)
            if (element.TryGetProperty(name, out var value) && value.ValueKind is not JsonValueKind.Null and not JsonValueKind.Undefined)
                return value;
        // ASP.NET writes camelCase, but a different policy should not make the lab blind.
        foreach (var property in element.EnumerateObject())
            if (names.Any(n => string.Equals(n, property.Name, StringComparison.OrdinalIgnoreCase)) && property.Value.ValueKind != JsonValueKind.Null)
                return property.Value;
        return null;
    }

    /// <summary>An id as text, whether the shop writes it as a number or a string.</summary>
    public static string? IdText(this JsonElement? element) => element switch
    {
        { ValueKind: JsonValueKind.String } e => e.GetString(),
        { ValueKind: JsonValueKind.Number } e => e.GetRawText(),
        _ => null,
    };

    public static string? Text(this JsonElement? element) => element is { ValueKind: JsonValueKind.String } e ? e.GetString() : element.IdText();

    public static long? Number(this JsonElement? element) =>
        element is { ValueKind: JsonValueKind.Number } e && e.TryGetInt64(out var n) ? n : null;

    /// <summary>The items of a page object, or the elements of a bare array.</summary>
    public static IEnumerable<JsonElement> Items(this JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => element.EnumerateArray(),
        JsonValueKind.Object when element.Property("items") is { ValueKind: JsonValueKind.Array } items => items.EnumerateArray(),
        _ => [],
    };
}
