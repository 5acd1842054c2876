using System.Security.Claims;
using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Accounts;
using Bulwark.Shop.Catalog;
using Bulwark.Shop.Checkout;
using Bulwark.Shop.Errors;
using Bulwark.Shop.Payments;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bulwark.Shop.Orders;

/// <summary>Operators' order routes: find any order, list them with filters, refund one.</summary>
public static class AdminOrdersApi
{
    public const int MaxPageSize = 100;
    public const int MaxReasonLength = 500;
    private const int MaxPage = 100_000;

    public static void MapAdminOrdersApi(this WebApplication app)
    {
        // Critical like the other admin routes: an operator refunding during a surge must not be shed by it.
        var api = app.MapGroup("/api/admin/orders").WithTags("Order administration")
            .RequireAuthorization(AccountsApi.AdminRole).WithPriority(Priority.Critical);
        api.MapGet("", List).WithSummary("Every customer's orders, newest first, filtered by status, creation time and customer");
        api.MapGet("/{id:long}", Get).WithSummary("Any customer's order, with its payment and refund").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/{id:long}/refund", Refund)
            .WithSummary("Refund a paid order through the gateway (idempotent: one refund per order), stock back once")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>Why the operator refunds: kept with the order (and, once merged, in the audit trail).</summary>
    public sealed record RefundOrderRequest(string? Reason);

    private static async Task<Results<Ok<Paged<AdminOrder>>, ValidationProblem>> List(AdminOrderStore store, CancellationToken cancellationToken,
        string? status = null, DateTimeOffset? from = null, DateTimeOffset? to = null, long? userId = null, int page = 1, int pageSize = 20)
    {
        if (status is not null && !OrderStatus.All.Contains(status))
        {
            return Problems.Invalid("status", $"status must be one of {string.Join(", ", OrderStatus.All)}.");
        }

        if (from > to)
        {
            return Problems.Invalid("from", "from must not be after to.");
        }

        if (page is < 1 or > MaxPage)
        {
            return Problems.Invalid("page", $"page must be between 1 and {MaxPage}.");
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            return Problems.Invalid("pageSize", $"pageSize must be between 1 and {MaxPageSize}.");
        }

        return TypedResults.Ok(await store.ListAsync(new AdminOrderQuery(status, from, to, userId, page, pageSize), cancellationToken));
    }

    private static async Task<Results<Ok<AdminOrder>, ProblemHttpResult>> Get(long id, AdminOrderStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(id, cancellationToken) is { } order ? TypedResults.Ok(order) : Problems.NotFound($"There is no order {id}.");

    private static async Task<Results<Ok<AdminOrder>, Accepted<AdminOrder>, ValidationProblem, ProblemHttpResult>> Refund(long id, RefundOrderRequest body,
        ClaimsPrincipal user, OrderRefunds refunds, AdminOrderStore store, GatewayCallBudget budget, HttpContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(body.Reason) || body.Reason.Length > MaxReasonLength)
        {
            return Problems.Invalid("reason", $"reason is required (at most {MaxReasonLength} characters): say why the order is refunded.");
        }

        var result = await refunds.RefundAsync(
            new RefundAsk(id, OwnerId: null, OrderStatus.Refunded, body.Reason.Trim(), user.UserId(), Window: null, Audit.AuditActor.Of(user)), cancellationToken);
        return await RefundAnswers.AnswerAsync(result, id, () => store.FindAsync(id, CancellationToken.None), order => order.Status,
            $"/api/admin/orders/{id}", context, budget, window: null) switch
        {
            { Result: Ok<AdminOrder> ok } => ok,
            { Result: Accepted<AdminOrder> accepted } => accepted,
            { Result: ProblemHttpResult problem } => problem,
            var other => throw new InvalidOperationException($"Unhandled refund answer {other.Result}."),
        };
    }
}
