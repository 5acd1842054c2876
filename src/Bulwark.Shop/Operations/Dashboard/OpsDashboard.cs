using System.Security.Claims;
using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Accounts;
using Bulwark.Shop.Errors;
using Bulwark.Shop.Operations.Alerts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bulwark.Shop.Operations.Dashboard;

/// <summary>
/// <c>GET /ops</c>: the live dashboard for admins (a sign-in page for anyone else), fed by
/// <c>GET /ops/api/snapshot</c>, which the page polls every second.
/// </summary>
public static class OpsDashboard
{
    // The pages load nothing from elsewhere and run no inline script.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'";

    public static void AddOpsDashboard(this WebApplicationBuilder builder)
    {
        builder.AddOpsAuthentication();
        builder.AddPrometheusAlerts();
        builder.Services.AddSingleton<RoutePriorities>();
        builder.Services.AddSingleton<OpsSampleReader>();
        builder.Services.AddSingleton(new SampleHistory(OpsSampler.Interval));
        builder.Services.AddSingleton<OpsSampler>();
        builder.Services.AddHostedService(services => services.GetRequiredService<OpsSampler>());
    }

    public static void MapOpsDashboard(this WebApplication app)
    {
        // The dashboard's own polling is not shop traffic: it stays out of the request metrics it draws.
        var ops = app.MapGroup("/ops").WithTags("Operations").DisableHttpMetrics();
        // The page, its assets, its data and signing out answer from memory, and an operator opens them when the shop is
        // overloaded: like /metrics, the edge never sheds them (a dashboard blank with 503s in a sale was seen in the lab).
        // Signing in hashes a password, so it stays a normal request, shed like any other: sign in before the sale (the
        // session slides while the page polls).
        // Cast: a handler taking only HttpContext would otherwise bind as a RequestDelegate and drop its result.
        ops.MapGet("", (Delegate)Page).WithoutAdmission()
            .WithSummary("The live operations dashboard (a sign-in page until an admin signs in)").Produces<string>(StatusCodes.Status200OK, "text/html");
        ops.MapPost("/session", SignIn).WithPriority(Priority.Normal).WithLoginThrottle()
            .WithSummary("Sign an admin in to the dashboard (sets its cookie)")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        ops.MapDelete("/session", (Delegate)SignOut).WithoutAdmission().WithSummary("Sign out of the dashboard");
        ops.MapGet("/assets/{name}", Asset).WithoutAdmission()
            .WithSummary("The dashboard's scripts and styles").Produces<byte[]>(StatusCodes.Status200OK, "text/javascript", "text/css");
        ops.MapGet("/api/snapshot", Snapshot).WithoutAdmission().RequireAuthorization(AccountsApi.AdminRole)
            .WithSummary("The dashboard's samples since a time, and every alert's state");
    }

    private static async Task<ContentHttpResult> Page(HttpContext context)
    {
        var session = await context.AuthenticateAsync(OpsAuthentication.Scheme);
        var admin = session.Succeeded && session.Principal.IsInRole(AccountsApi.AdminRole);
        context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Content(admin ? OpsAssets.DashboardPage : OpsAssets.SignInPage, "text/html; charset=utf-8");
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> SignIn(
        Credentials body, SignInChecker signIn, HttpContext context, CancellationToken cancellationToken)
    {
        // The same checks and per-account throttle as the API's sign-in: guessing an admin password here is no cheaper.
        switch (await signIn.CheckAsync(body, context, cancellationToken))
        {
            case SignInCheck.Invalid invalid:
                return invalid.Problem;
            case SignInCheck.Refused refused:
                return refused.Problem;
            case SignInCheck.Accepted { Account: var account } when account.Roles.Contains(AccountsApi.AdminRole, StringComparer.Ordinal):
                await context.SignInAsync(OpsAuthentication.Scheme, account.ToPrincipal(OpsAuthentication.Scheme));
                return TypedResults.NoContent();
            default:
                return TypedResults.Problem(title: "Admins only", detail: "The operations dashboard is for accounts with the admin role.",
                    statusCode: StatusCodes.Status403Forbidden);
        }
    }

    private static async Task<NoContent> SignOut(HttpContext context)
    {
        await context.SignOutAsync(OpsAuthentication.Scheme);
        return TypedResults.NoContent();
    }

    private static Results<FileContentHttpResult, NotFound> Asset(string name, HttpContext context)
    {
        if (OpsAssets.Find(name) is not var (content, contentType))
        {
            return TypedResults.NotFound();
        }

        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.CacheControl = "no-cache";
        return TypedResults.File(content, contentType);
    }

    /// <summary>The samples after <paramref name="since"/> (Unix milliseconds; all ten minutes when absent) and the alert board.</summary>
    private static Ok<OpsSnapshot> Snapshot(long? since, SampleHistory history, PrometheusAlertSource alerts, TimeProvider clock)
    {
        var after = since is { } milliseconds ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds) : (DateTimeOffset?)null;
        return TypedResults.Ok(new OpsSnapshot(clock.GetUtcNow(), (int)OpsSampler.Interval.TotalMilliseconds, history.Since(after), alerts.Board));
    }
}

/// <summary>What the dashboard polls: new samples (oldest first) and the alert states Prometheus reports.</summary>
public sealed record OpsSnapshot(DateTimeOffset Now, int IntervalMs, IReadOnlyList<OpsSample> Samples, AlertBoard Alerts);
