namespace Bulwark.Shop.Storefront;

/// <summary>
/// The storefront at <c>GET /</c>: one self-contained page over the public API (browse, search, sign in,
/// cart, checkout, orders), so the shop can be tried in a browser with nothing else installed.
/// </summary>
public static class StorefrontApi
{
    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = typeof(StorefrontApi).Assembly.GetManifestResourceStream("Bulwark.Shop.Storefront.storefront.html")
            ?? throw new InvalidOperationException("The storefront page is not embedded in the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public static void MapStorefront(this WebApplication app) =>
        app.MapGet("/", () => TypedResults.Content(Page.Value, "text/html; charset=utf-8")).ExcludeFromDescription();
}
