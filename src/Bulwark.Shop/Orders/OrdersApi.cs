using Bulwark.Guard.Edge;
using System.Security.Claims;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Accounts;
using Bulwark.Shop.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bulwark.Shop.Orders;

public static class OrdersApi
{
    public static void MapOrdersApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/orders").WithTags("Orders").RequireAuthorization().WithPriority(Priority.Normal);
        api.MapGet("", ListOrders).WithSummary($"The caller's latest {OrderStore.ListLimit} orders, newest first");
        api.MapGet("/{id:long}", GetOrder).WithSummary("One of the caller's orders").ProducesProblem(StatusCodes.Status404NotFound);
    }

    public static void AddOrders(this WebApplicationBuilder builder) => builder.Services.AddSingleton<OrderStore>();

    private static async Task<Ok<OrderList>> ListOrders(ClaimsPrincipal user, OrderStore orders, CancellationToken cancellationToken) =>
        TypedResults.Ok(new OrderList(await orders.ListAsync(user.UserId(), cancellationToken)));

    private static async Task<Results<Ok<Order>, ProblemHttpResult>> GetOrder(long id, ClaimsPrincipal user, OrderStore orders, CancellationToken cancellationToken) =>
        await orders.FindAsync(user.UserId(), id, cancellationToken) is { } order
            ? TypedResults.Ok(order)
            : Problems.NotFound($"You have no order with id {id}.");

    public sealed record OrderList(IReadOnlyList<Order> Items);
}
