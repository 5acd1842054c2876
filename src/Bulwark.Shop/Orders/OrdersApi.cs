using Bulwark.Guard.Edge;
using System.Security.Claims;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Accounts;
using Bulwark.Shop.Checkout;
using Bulwark.Shop.Errors;
using Bulwark.Shop.Payments;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bulwark.Shop.Orders;

public static class OrdersApi
{
    public static void MapOrdersApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/orders").WithTags("Orders").RequireAuthorization().WithPriority(Priority.Normal);
        api.MapGet("", ListOrders).WithSummary($"The caller's latest {OrderStore.ListLimit} orders, newest first");
        api.MapGet("/{id:long}", GetOrder).WithSummary("One of the caller's orders").ProducesProblem(StatusCodes.Status404NotFound);
        // Critical like checkout: it moves money and stock, and a customer changing their mind must not be shed first.
        api.MapPost("/{id:long}/cancel", Cancel).WithPriority(Priority.Critical)
            .WithSummary("Cancel one of the caller's paid orders within the cancel window: refunded through the gateway, stock back")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    public static void AddOrders(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<OrdersOptions>().BindConfiguration(OrdersOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<OrderStore>();
        builder.Services.AddSingleton<AdminOrderStore>();
        builder.Services.AddSingleton<RefundRecords>();
        builder.Services.AddSingleton<RefundMetrics>();
        // Scoped: they hold the gateway's typed HttpClient, which is made per scope.
        builder.Services.AddScoped<OrderRefunds>();
        builder.Services.AddScoped<RefundReconciler>();
    }

    private static async Task<Ok<OrderList>> ListOrders(ClaimsPrincipal user, OrderStore orders, CancellationToken cancellationToken) =>
        TypedResults.Ok(new OrderList(await orders.ListAsync(user.UserId(), cancellationToken)));

    private static async Task<Results<Ok<Order>, ProblemHttpResult>> GetOrder(long id, ClaimsPrincipal user, OrderStore orders, CancellationToken cancellationToken) =>
        await orders.FindAsync(user.UserId(), id, cancellationToken) is { } order
            ? TypedResults.Ok(order)
            : Problems.NotFound($"You have no order with id {id}.");

    private static async Task<Results<Ok<Order>, Accepted<Order>, ProblemHttpResult>> Cancel(long id, ClaimsPrincipal user, OrderRefunds refunds,
        OrderStore orders, IOptions<OrdersOptions> options, GatewayCallBudget budget, HttpContext context, CancellationToken cancellationToken)
    {
        var userId = user.UserId();
        var window = options.Value.CancelWindow;
        var result = await refunds.RefundAsync(
            new RefundAsk(id, userId, OrderStatus.Cancelled, "cancelled by the customer", userId, window), cancellationToken);
        return await RefundAnswers.AnswerAsync(result, id, () => orders.FindAsync(userId, id, CancellationToken.None), order => order.Status,
            $"/api/orders/{id}", context, budget, window);
    }

    public sealed record OrderList(IReadOnlyList<Order> Items);
}
