using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Accounts;
using Bulwark.Shop.Catalog;
using Bulwark.Shop.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bulwark.Shop.Audit;

public static class AuditApi
{
    public const int MaxPageSize = 100;
    private const int MaxActionLength = 64;

    public static void AddAudit(this WebApplicationBuilder builder) => builder.Services.AddSingleton<AuditLog>();

    public static void MapAuditApi(this WebApplication app)
    {
        // Normal, not critical: reading the history can wait behind checkout; changing things cannot.
        app.MapGroup("/api/admin/audit").WithTags("Audit").RequireAuthorization(AccountsApi.AdminRole).WithPriority(Priority.Normal)
            .MapGet("", List).WithSummary("Who changed what, when and why: every admin action, newest first")
            .WithDescription("action= keeps one kind of action (product.create, product.update, product.hide, stock.adjust, " +
                "category.create, settings.change, settings.rollback, …).");
    }

    private static async Task<Results<Ok<Paged<AuditRecord>>, ValidationProblem>> List(AuditLog log, CancellationToken cancellationToken,
        string? action = null, int page = 1, int pageSize = 50)
    {
        if (Problems.Paging(page, pageSize, MaxPageSize) is { } pagingProblem)
        {
            return pagingProblem;
        }

        if (action is { Length: > MaxActionLength } || (action is not null && action.Any(char.IsControl)))
        {
            return Problems.Invalid("action", $"action is an action name such as stock.adjust (at most {MaxActionLength} characters).");
        }

        return TypedResults.Ok(await log.PageAsync(string.IsNullOrWhiteSpace(action) ? null : action.Trim(), page, pageSize, cancellationToken));
    }
}
