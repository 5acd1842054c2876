using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Accounts;
using Bulwark.Shop.Catalog;
using Bulwark.Shop.Checkout;
using Bulwark.Shop.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Security.Claims;

namespace Bulwark.Shop.Cart;

public static class CartApi
{
    public const int MaxQuantity = 99;

    public static void AddCart(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CartStore>();
        builder.Services.AddSingleton<SaleCartPass>();
    }

    public static void MapCartApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/cart").WithTags("Cart").RequireAuthorization();
        api.MapGet("", GetCart).WithPriority(Priority.Normal).WithSummary("The caller's cart");
        // A cart change is the first half of a purchase: shedding it loses the checkout that follows
        // (issue 8 measured most lost purchases there), so it ranks with checkout. The per-client rate
        // limit keeps one client's cart edits from crowding out other buyers.
        // An item whose open sale sold out is answered from memory, and one added with that sale's admission is the
        // purchase the waiting room metered: neither is shed at the edge (SaleCartPass).
        api.MapPut("/items/{productId:long}", PutItem).WithPriority(Priority.Critical)
            .WithPreAdmission(app.Services.GetRequiredService<SaleCartPass>())
            .WithSummary("Set a product's quantity in the cart (0 removes it)")
            .WithDescription("While a sale of the product is open and has sold its units of it, adding it is a 409 (type " +
                CheckoutApi.SaleSoldOutType + "), as its checkout would be. Refused as busy (503) while the sale still " +
                "sells, join the sale's waiting room instead of retrying: with its admission in the Admission header the " +
                "change is not shed.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapDelete("/items/{productId:long}", DeleteItem).WithPriority(Priority.Critical)
            .WithSummary("Remove a product from the cart");
    }

    private static async Task<Ok<CartView>> GetCart(ClaimsPrincipal user, CartStore carts, CancellationToken cancellationToken) =>
        TypedResults.Ok(await carts.GetAsync(user.UserId(), cancellationToken));

    private static async Task<Results<Ok<CartView>, ValidationProblem, ProblemHttpResult>> PutItem(
        long productId, CartItemRequest body, ClaimsPrincipal user, CartStore carts, ICatalogSales sales, CancellationToken cancellationToken)
    {
        if (body.Quantity is < 0 or > MaxQuantity)
        {
            return Problems.Invalid("quantity", $"quantity must be between 1 and {MaxQuantity} (0 removes the line).");
        }

        if (body.Quantity == 0)
        {
            return TypedResults.Ok(await carts.RemoveAsync(user.UserId(), productId, cancellationToken));
        }

        // From memory, without the database: a sold-out sale's late buyers, let past the edge, hear it at once.
        if (SaleCartPass.SoldOut(sales, productId) is { } sale)
        {
            return CheckoutApi.SaleSoldOut(sale.SaleId, productId, sku: null, body.Quantity, available: 0, sale.EndsAt);
        }

        var (change, cart) = await carts.SetAsync(user.UserId(), productId, body.Quantity, cancellationToken);
        return change switch
        {
            CartChange.Saved => TypedResults.Ok(cart!),
            CartChange.UnknownProduct => Problems.NotFound($"There is no product with id {productId}."),
            _ => Problems.Conflict("Cart full", $"A cart holds at most {CartStore.MaxLines} different products."),
        };
    }

    private static async Task<Ok<CartView>> DeleteItem(long productId, ClaimsPrincipal user, CartStore carts, CancellationToken cancellationToken) =>
        TypedResults.Ok(await carts.RemoveAsync(user.UserId(), productId, cancellationToken));
}
