using System.Security.Claims;
using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Accounts;
using Bulwark.Shop.Audit;
using Bulwark.Shop.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bulwark.Shop.Catalog.Admin;

/// <summary>
/// Catalog administration: products, their prices and stock, categories. Admins only, like the runtime
/// settings; every refusal is a problem naming the field; every change is audited and reaches every
/// instance's catalog cache through a NOTIFY.
/// </summary>
public static class CatalogAdminApi
{
    public static void AddCatalogAdmin(this WebApplicationBuilder builder) => builder.Services.AddSingleton<CatalogAdminStore>();

    public static void MapCatalogAdminApi(this WebApplication app)
    {
        // Critical, as the runtime settings are: an operator's top-up or price fix during a sale must not be shed by it.
        var api = app.MapGroup("/api/admin").WithTags("Catalog administration")
            .RequireAuthorization(AccountsApi.AdminRole).WithPriority(Priority.Critical);
        api.MapPost("/products", CreateProduct).WithSummary("Add a product to the catalog")
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPatch("/products/{id:long}", ChangeProduct).WithSummary("Change a product's name, description, category or price")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/products/{id:long}/stock", AdjustStock)
            .WithSummary("Add units to a product's stock (or write them off with a negative delta), atomically with checkouts")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapDelete("/products/{id:long}", HideProduct)
            .WithSummary("Hide a product from the catalog; its orders keep working and checkout refuses it")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/categories", CreateCategory).WithSummary("Add a category").ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<Results<Created<Product>, ValidationProblem, ProblemHttpResult>> CreateProduct(
        NewProductRequest body, ClaimsPrincipal user, CatalogAdminStore store, CancellationToken cancellationToken)
    {
        var problem = FirstProblem(
            ("sku", CatalogFieldRules.SkuProblem(body.Sku)),
            ("name", CatalogFieldRules.TextProblem("name", body.Name, CatalogFieldRules.MaxNameLength, required: true)),
            ("description", CatalogFieldRules.TextProblem("description", body.Description, CatalogFieldRules.MaxDescriptionLength, required: false, multiline: true)),
            ("categoryId", body.CategoryId is null ? "categoryId is required." : null),
            ("priceCents", CatalogFieldRules.PriceProblem(body.PriceCents)),
            ("stock", body.Stock is null or < 0 or > CatalogFieldRules.MaxStock ? $"stock is required, between 0 and {CatalogFieldRules.MaxStock}." : null));
        if (problem is not null)
        {
            return problem;
        }

        var product = new NewProduct(body.Sku!, body.Name!.Trim(), body.Description?.Trim() ?? "", body.CategoryId!.Value, body.PriceCents!.Value, body.Stock!.Value);
        return await store.CreateProductAsync(product, AuditActor.Of(user), cancellationToken) switch
        {
            CatalogChange<Product>.Done(var created) => TypedResults.Created($"/api/products/{created.Id}", created),
            var refused => Refusal(refused),
        };
    }

    private static async Task<Results<Ok<Product>, ValidationProblem, ProblemHttpResult>> ChangeProduct(
        long id, ProductChangeRequest body, ClaimsPrincipal user, CatalogAdminStore store, CancellationToken cancellationToken)
    {
        var problem = FirstProblem(
            ("name", CatalogFieldRules.TextProblem("name", body.Name, CatalogFieldRules.MaxNameLength, required: false)
                ?? (body.Name is not null && string.IsNullOrWhiteSpace(body.Name) ? "name cannot be blank." : null)),
            ("description", CatalogFieldRules.TextProblem("description", body.Description, CatalogFieldRules.MaxDescriptionLength, required: false, multiline: true)),
            ("priceCents", body.PriceCents is null ? null : CatalogFieldRules.PriceProblem(body.PriceCents)),
            ("body", body is { Name: null, Description: null, CategoryId: null, PriceCents: null }
                ? "Send at least one of name, description, categoryId, priceCents (stock changes through POST …/stock)." : null));
        if (problem is not null)
        {
            return problem;
        }

        var change = new ProductChange(body.Name?.Trim(), body.Description?.Trim(), body.CategoryId, body.PriceCents);
        return await store.ChangeProductAsync(id, change, AuditActor.Of(user), cancellationToken) switch
        {
            CatalogChange<Product>.Done(var changed) => TypedResults.Ok(changed),
            var refused => Refusal(refused),
        };
    }

    private static async Task<Results<Ok<StockLevel>, ValidationProblem, ProblemHttpResult>> AdjustStock(
        long id, StockAdjustmentRequest body, ClaimsPrincipal user, CatalogAdminStore store, CancellationToken cancellationToken)
    {
        var problem = FirstProblem(
            ("delta", body.Delta is null or 0 or < -CatalogFieldRules.MaxStock or > CatalogFieldRules.MaxStock
                ? $"delta is required: the units to add (or, negative, to write off), at most {CatalogFieldRules.MaxStock} either way, not 0." : null),
            ("reason", CatalogFieldRules.TextProblem("reason", body.Reason, CatalogFieldRules.MaxReasonLength, required: true)));
        if (problem is not null)
        {
            return problem;
        }

        return await store.AdjustStockAsync(id, body.Delta!.Value, body.Reason!.Trim(), AuditActor.Of(user), cancellationToken) switch
        {
            CatalogChange<StockLevel>.Done(var level) => TypedResults.Ok(level),
            var refused => Refusal(refused),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> HideProduct(
        long id, ClaimsPrincipal user, CatalogAdminStore store, CancellationToken cancellationToken) =>
        await store.HideProductAsync(id, AuditActor.Of(user), cancellationToken) switch
        {
            CatalogChange<bool>.Done => TypedResults.NoContent(),
            var refused => Refusal(refused),
        };

    private static async Task<Results<Created<Category>, ValidationProblem, ProblemHttpResult>> CreateCategory(
        NewCategoryRequest body, ClaimsPrincipal user, CatalogAdminStore store, CancellationToken cancellationToken)
    {
        if (CatalogFieldRules.TextProblem("name", body.Name, CatalogFieldRules.MaxCategoryNameLength, required: true) is { } problem)
        {
            return Problems.Invalid("name", problem);
        }

        return await store.CreateCategoryAsync(body.Name!.Trim(), AuditActor.Of(user), cancellationToken) switch
        {
            CatalogChange<Category>.Done(var created) => TypedResults.Created($"/api/products?category={created.Id}", created),
            var refused => Refusal(refused),
        };
    }

    /// <summary>The first field that is wrong, as a 400 naming it; null when every field is fine.</summary>
    private static ValidationProblem? FirstProblem(params (string Field, string? Problem)[] checks) =>
        checks.FirstOrDefault(check => check.Problem is not null) is { Problem: { } message } failed
            ? Problems.Invalid(failed.Field, message)
            : null;

    /// <summary>A write a store refused, as the problem the client gets (a 400 shaped as the validation problems are); the sales use it too.</summary>
    internal static ProblemHttpResult Refusal<TValue>(CatalogChange<TValue> refused) => refused switch
    {
        CatalogChange<TValue>.NotFound missing => Problems.NotFound(missing.Detail),
        CatalogChange<TValue>.InvalidField invalid => TypedResults.Problem(title: "Invalid request", detail: invalid.Detail,
            statusCode: StatusCodes.Status400BadRequest,
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [invalid.Field] = [invalid.Detail] } }),
        CatalogChange<TValue>.Conflict conflict => Problems.Conflict(conflict.Title, conflict.Detail, conflict.Extensions),
        _ => throw new InvalidOperationException($"Unexpected refusal {refused}."),
    };
}
