using Bulwark.Shop.WaitingRoom;
using System.Security.Claims;
using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Accounts;
using Bulwark.Shop.Audit;
using Bulwark.Shop.Catalog;
using Bulwark.Shop.Catalog.Admin;
using Bulwark.Shop.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Bulwark.Shop.Sales;

/// <summary>
/// Scheduled sales: admins create, list and (before the start) delete them; anyone reads one, to count down to it
/// and to see what is left. What a sale does to a purchase is checkout's business (<c>StockReservation</c>).
/// </summary>
public static class SalesApi
{
    public const int MaxPageSize = 100;

    public static void AddSales(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SaleCatalog>();
        builder.Services.AddSingleton<SaleStore>();
        // The waiting room follows the sales through this snapshot (registered before AddWaitingRoom's default of none).
        builder.Services.AddSingleton<SaleQueueSource>();
        builder.Services.AddSingleton<ISaleQueueSource>(services => services.GetRequiredService<SaleQueueSource>());
        // The catalog shows open sales' prices from the same snapshot: this replaces AddCatalog's default of none.
        builder.Services.Replace(ServiceDescriptor.Singleton<ICatalogSales>(services => services.GetRequiredService<SaleQueueSource>()));
        builder.Services.AddHostedService(services => services.GetRequiredService<SaleQueueSource>());
    }

    public static void MapSalesApi(this WebApplication app)
    {
        var admin = app.MapGroup("/api/admin/sales").WithTags("Sales")
            .RequireAuthorization(AccountsApi.AdminRole).WithPriority(Priority.Critical);
        admin.MapPost("", Create).WithSummary("Schedule a sale: a window, and per product a sale price and the units sold at it")
            .ProducesProblem(StatusCodes.Status409Conflict);
        admin.MapGet("", List).WithSummary("Every sale, newest first");
        admin.MapDelete("/{id:long}", Delete).WithSummary("Call a sale off before it starts (409 once it has started)")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        // Browsing-class: a sale page polled by a crowd is shed before checkouts are.
        app.MapGet("/api/sales/{id:long}", Get).WithTags("Sales").WithPriority(Priority.Sheddable)
            .WithSummary("A sale: its window, state (upcoming, open, ended), seconds until it opens, items with regular and sale price and units left")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<Results<Created<Sale>, ValidationProblem, ProblemHttpResult>> Create(
        NewSaleRequest body, ClaimsPrincipal user, SaleStore store, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (SaleRules.Check(body, clock.GetUtcNow(), out var sale) is var (field, problem))
        {
            return Problems.Invalid(field, problem);
        }

        return await store.CreateAsync(sale!, AuditActor.Of(user), cancellationToken) switch
        {
            CatalogChange<Sale>.Done(var created) => TypedResults.Created($"/api/sales/{created.Id}", created),
            var refused => CatalogAdminApi.Refusal(refused),
        };
    }

    private static async Task<Results<Ok<Paged<Sale>>, ValidationProblem>> List(SaleCatalog catalog, CancellationToken cancellationToken,
        int page = 1, int pageSize = 20)
    {
        if (Problems.Paging(page, pageSize, MaxPageSize) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(await catalog.ListAsync(page, pageSize, cancellationToken));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(long id, ClaimsPrincipal user, SaleStore store,
        CancellationToken cancellationToken) =>
        await store.DeleteAsync(id, AuditActor.Of(user), cancellationToken) switch
        {
            CatalogChange<bool>.Done => TypedResults.NoContent(),
            var refused => CatalogAdminApi.Refusal(refused),
        };

    private static async Task<Results<Ok<Sale>, ProblemHttpResult>> Get(long id, SaleCatalog catalog, CancellationToken cancellationToken) =>
        await catalog.GetAsync(id, cancellationToken) is { } sale ? TypedResults.Ok(sale) : Problems.NotFound($"There is no sale with id {id}.");
}
