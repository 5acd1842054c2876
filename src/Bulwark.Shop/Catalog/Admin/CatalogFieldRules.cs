using System.Globalization;

namespace Bulwark.Shop.Catalog.Admin;

/// <summary>
/// Limits of the catalog's fields, checked before anything reaches PostgreSQL: text it would refuse (a NUL,
/// a broken surrogate) or that no shop shows (control characters) is a 400 naming the field, never a 500.
/// </summary>
public static class CatalogFieldRules
{
    public const int MaxSkuLength = 64;
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 4000;
    public const int MaxCategoryNameLength = 100;
    public const int MaxReasonLength = 500;

    /// <summary>Large enough for any real price, small enough that a line of 99 units cannot overflow.</summary>
    public const long MaxPriceCents = 100_000_000_00;

    /// <summary>Bounds a product's stock, so that adding to it can never overflow the column.</summary>
    public const int MaxStock = 10_000_000;

    public static string? SkuProblem(string? sku) =>
        string.IsNullOrWhiteSpace(sku) ? "sku is required."
        : sku.Length > MaxSkuLength ? $"sku must be at most {MaxSkuLength} characters."
        : !sku.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') ? "sku may hold only ASCII letters, digits, '-', '_' and '.'."
        : null;

    /// <summary>A problem with a text field, or null; <paramref name="multiline"/> allows line breaks and tabs.</summary>
    public static string? TextProblem(string field, string? value, int maxLength, bool required, bool multiline = false)
    {
        if (value is null || (required && string.IsNullOrWhiteSpace(value)))
        {
            return required ? $"{field} is required." : null;
        }

        if (value.Length > maxLength)
        {
            return $"{field} must be at most {maxLength} characters.";
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                return $"{field} is not valid text (a broken UTF-16 surrogate).";
            }

            if (char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t'))
            {
                return $"{field} contains a control character (U+{((int)c).ToString("X4", CultureInfo.InvariantCulture)}).";
            }
        }

        return null;
    }

    public static string? PriceProblem(long? priceCents) =>
        priceCents is null ? "priceCents is required."
        : priceCents is < 1 or > MaxPriceCents ? $"priceCents must be between 1 and {MaxPriceCents} (minor units)."
        : null;
}
