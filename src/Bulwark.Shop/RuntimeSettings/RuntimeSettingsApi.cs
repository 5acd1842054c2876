using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Accounts;
using Bulwark.Shop.Errors;
using Bulwark.Guard.Edge;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bulwark.Shop.RuntimeSettings;

public static class RuntimeSettingsApi
{
    public const int MaxReasonLength = 500;

    public static void AddRuntimeSettings(this WebApplicationBuilder builder, ShopSettings shipped)
    {
        builder.Services.AddOptions<RuntimeSettingsOptions>().BindConfiguration(RuntimeSettingsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(new ShippedSettings(shipped));
        builder.Services.AddSingleton<SettingsStore>();
        builder.Services.AddSingleton<SettingsValidator>();
        builder.Services.AddSingleton<ConnectionPeakTracker>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ConnectionPeakTracker>());
        builder.Services.AddSingleton<ClusterConnectionPeaks>();
        builder.Services.AddSingleton<IConnectionBudget>(services => services.GetRequiredService<ClusterConnectionPeaks>());
        builder.Services.AddHostedService(services => services.GetRequiredService<ClusterConnectionPeaks>());
        builder.Services.AddSingleton<IRuntimeSettingsConsumer, GateSettingsConsumer>();
        builder.Services.AddSingleton<DeployStatus>();
        builder.Services.AddSingleton<Database.IStartupTask, DeployedSettings>();
        builder.Services.AddSingleton<SettingsApplier>();
        builder.Services.AddSingleton<Database.IDatabaseNotificationHandler>(services => services.GetRequiredService<SettingsApplier>());
    }

    public static void MapRuntimeSettingsApi(this WebApplication app)
    {
        // Critical: an operator fixing an overload must not be shed by it.
        var api = app.MapGroup("/api/admin/config").WithTags("Runtime settings")
            .RequireAuthorization(AccountsApi.AdminRole).WithPriority(Priority.Critical);
        api.MapGet("", GetCurrent).WithSummary("The runtime settings in force").ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPut("", Put).WithSummary("Change runtime settings (merged onto those in force)").WithChangeProblems();
        api.MapGet("/history", History).WithSummary("Every settings version, newest first");
        api.MapPost("/rollback", Rollback).WithSummary("Restore an earlier version's settings as a new version").WithChangeProblems().ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>What a change can be refused with: 409 changes kept landing, 422 refused, 503 no settings yet.</summary>
    private static RouteHandlerBuilder WithChangeProblems(this RouteHandlerBuilder route) => route
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    public sealed record SettingsView(int Version, ShopSettings Settings, DateTime ChangedAt, string ChangedBy, string Reason,
        IReadOnlyList<SettingChange> Diff, int? RollbackOf, int AppliedVersion, DeployOutcome Deploy);

    public sealed record SettingsChangeRequest(JsonObject Settings, string Reason);

    public sealed record RollbackRequest(int Version, string? Reason = null);

    public sealed record HistoryView(IReadOnlyList<SettingsView> Items);

    private static async Task<Results<Ok<SettingsView>, ProblemHttpResult>> GetCurrent(SettingsStore store, SettingsApplier applier, DeployStatus deploy, CancellationToken cancellationToken) =>
        await store.CurrentAsync(cancellationToken) is { } current
            ? TypedResults.Ok(View(current, applier, deploy))
            : TypedResults.Problem(title: "No settings yet", detail: "The shop has not recorded its initial settings yet; retry shortly.", statusCode: StatusCodes.Status503ServiceUnavailable);

    private static async Task<Ok<HistoryView>> History(SettingsStore store, SettingsApplier applier, DeployStatus deploy, CancellationToken cancellationToken, int limit = 50) =>
        TypedResults.Ok(new HistoryView((await store.HistoryAsync(Math.Clamp(limit, 1, 500), cancellationToken)).Select(version => View(version, applier, deploy)).ToList()));

    private static async Task<Results<Ok<SettingsView>, ValidationProblem, ProblemHttpResult>> Put(
        SettingsChangeRequest body, ClaimsPrincipal user, SettingsStore store, SettingsValidator validator, SettingsApplier applier, DeployStatus deploy, CancellationToken cancellationToken)
    {
        if (ReasonProblem(body.Reason) is { } reasonProblem)
        {
            return reasonProblem;
        }

        return await ChangeAsync(store, validator, applier, deploy, user, body.Reason.Trim(), null, current =>
        {
            var merged = SettingsJson.Merge(SettingsJson.ToNode(current.Settings), body.Settings);
            return SettingsJson.FromNode(merged);
        }, cancellationToken);
    }

    private static async Task<Results<Ok<SettingsView>, ValidationProblem, ProblemHttpResult>> Rollback(
        RollbackRequest body, ClaimsPrincipal user, SettingsStore store, SettingsValidator validator, SettingsApplier applier, DeployStatus deploy, CancellationToken cancellationToken)
    {
        var target = await store.FindAsync(body.Version, cancellationToken);
        if (target is null)
        {
            return Problems.NotFound($"There is no settings version {body.Version}; GET /api/admin/config/history lists them.");
        }

        var reason = string.IsNullOrWhiteSpace(body.Reason) ? $"rollback to version {body.Version}" : $"rollback to version {body.Version}: {body.Reason.Trim()}";
        if (ReasonProblem(reason) is { } reasonProblem)
        {
            return reasonProblem;
        }

        return await ChangeAsync(store, validator, applier, deploy, user, reason, body.Version, _ => target.Settings, cancellationToken);
    }

    /// <summary>Validates and saves a change computed from the newest version; retried if another change lands in between.</summary>
    private static async Task<Results<Ok<SettingsView>, ValidationProblem, ProblemHttpResult>> ChangeAsync(
        SettingsStore store, SettingsValidator validator, SettingsApplier applier, DeployStatus deploy, ClaimsPrincipal user, string reason, int? rollbackOf,
        Func<SettingsVersion, ShopSettings> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var current = await store.CurrentAsync(cancellationToken);
            if (current is null)
            {
                return TypedResults.Problem(title: "No settings yet", detail: "The shop has not recorded its initial settings yet; retry shortly.",
                    statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            ShopSettings proposed;
            try
            {
                proposed = change(current);
            }
            catch (Exception exception) when (exception is JsonException or InvalidOperationException or FormatException or NotSupportedException)
            {
                return Problems.Invalid("settings", $"settings cannot be read: {exception.Message}");
            }

            var verdict = await validator.JudgeAsync(proposed, cancellationToken);
            if (verdict.Errors.Count > 0)
            {
                return TypedResults.ValidationProblem(verdict.Errors, title: "Invalid settings",
                    detail: string.Join(" ", verdict.Errors.SelectMany(error => error.Value)));
            }

            if (verdict.Refusals.Count > 0)
            {
                var refusals = verdict.Refusals.Select(refusal => refusal.Message).ToList();
                return TypedResults.Problem(title: "Settings refused", detail: string.Join(" ", refusals),
                    statusCode: StatusCodes.Status422UnprocessableEntity, extensions: new Dictionary<string, object?> { ["refusals"] = refusals });
            }

            var saved = await store.SaveAsync(current, proposed, Audit.AuditActor.Of(user), reason, rollbackOf, null, cancellationToken);
            if (saved is not null)
            {
                // Apply here at once; the other instances follow on the NOTIFY.
                await applier.ApplyLatestAsync(cancellationToken);
                return TypedResults.Ok(View(saved, applier, deploy));
            }
        }

        return Problems.Conflict("Concurrent settings changes", "Other changes kept landing while this one was validated; read the settings again and retry.");
    }

    private static ValidationProblem? ReasonProblem(string? reason) =>
        string.IsNullOrWhiteSpace(reason) ? Problems.Invalid("reason", "reason is required: say why the settings change (it is kept in the history).")
        : reason.Length > MaxReasonLength ? Problems.Invalid("reason", $"reason must be at most {MaxReasonLength} characters.")
        : null;

    private static SettingsView View(SettingsVersion version, SettingsApplier applier, DeployStatus deploy) =>
        new(version.Version, version.Settings, version.ChangedAt, version.ChangedBy, version.Reason, version.Diff, version.RollbackOf,
            applier.AppliedVersion, deploy.Outcome);
}
