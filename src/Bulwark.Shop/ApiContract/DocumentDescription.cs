using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Bulwark.Shop.ApiContract;

/// <summary>The document's cover: what the API is and the rules every operation shares.</summary>
public sealed class DocumentDescription : IOpenApiDocumentTransformer
{
    /// <summary>What each feature's tag (its <c>WithTags</c>) groups.</summary>
    public static IReadOnlyDictionary<string, string> Tags { get; } = new Dictionary<string, string>
    {
        ["Catalog"] = "Products and categories; public, mostly answered from a short-lived cache.",
        ["Accounts"] = "Registration and sign-in (bearer access tokens).",
        ["Cart"] = "The signed-in caller's cart.",
        ["Checkout"] = "Buying the cart: stock, payment and the order in one idempotent call.",
        ["Waiting room"] = "Taking turns to check out during a sale or above capacity: a place in line, its wait, then an admission.",
        ["Orders"] = "The signed-in caller's orders, and cancelling one within the cancel window.",
        ["Order administration"] = "Every customer's orders for operators: listing with filters, refunds through the gateway (admins).",
        ["Runtime settings"] = "Versioned guard and cache settings, changed on every instance without restart (admins).",
        ["Catalog administration"] = "Adding, changing and hiding products, topping up stock, adding categories (admins); seen by every instance within a second.",
        ["Sales"] = "Scheduled sales: a window, a sale price and units per product (admins schedule; anyone reads the countdown and units left).",
        ["Audit"] = "Every admin action: who, when, what changed and why (admins).",
        ["Operations"] = "Prometheus metrics and the live operations dashboard.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Bulwark shop API",
            Version = ApiContractRegistration.DocumentName,
            Description = """
                Catalog, accounts, cart, checkout and orders of the Bulwark shop, plus its operations endpoints.

                - JSON everywhere; every error is `application/problem+json` (RFC 9457) naming the field or product at fault.
                - Money is integer minor units (`priceCents`) in the shop's one currency.
                - Signed-in operations take `Authorization: Bearer <accessToken>` from `POST /api/sessions`.
                - Overload answers are fast: `503` with `Retry-After` (seconds) when the shop sheds load, `429` with
                  `Retry-After` when one client exceeds its rate. Retry after that many seconds, not at once.
                - `POST /api/checkout` takes an `Idempotency-Key` header: the same key again answers the same order.
                """,
        };
        // Relative: clients resolve paths against wherever they fetched the document, which stays right
        // behind a proxy (the host the request reached may be an internal one).
        document.Servers = [new OpenApiServer { Url = "/", Description = "The server this document was fetched from." }];
        foreach (var tag in document.Tags ?? Enumerable.Empty<OpenApiTag>())
        {
            if (tag.Name is { } name && Tags.TryGetValue(name, out var description))
            {
                tag.Description ??= description;
            }
        }

        return Task.CompletedTask;
    }
}
