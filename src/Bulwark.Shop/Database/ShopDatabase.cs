using Bulwark.Guard.DependencyInjection;
using Bulwark.Guard.Edge;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bulwark.Shop.Database;

public static class ShopDatabase
{
    /// <summary>Streaming standbys for catalog reads (Npgsql multi-host syntax accepted); unset, everything reads the primary.</summary>
    public const string ReadOnlyConnectionStringName = "ShopReadOnly";

    public static void AddShopDatabase(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Shop")
            ?? throw new InvalidOperationException("ConnectionStrings:Shop is not set and no embedded database was started.");
        // The guard owns the data source: in its default mode Npgsql's pool is sized to the server's budget and
        // every connection is handed out by the gate; Guard:Mode=off is plain Npgsql, as in the incident reports.
        builder.Services.AddBulwarkGuard(builder.Configuration.GetSection(GuardOptions.Section), connectionString);
        if (builder.Configuration.GetConnectionString(ReadOnlyConnectionStringName) is { Length: > 0 } readOnly)
        {
            // Standbys for catalog reads, behind a gate of their own; the lag monitor decides when they may serve.
            builder.Services.AddBulwarkReadOnlyGate(builder.Configuration.GetSection(GuardOptions.Section), readOnly);
            builder.Services.AddSingleton<Catalog.ReplicaLag>();
            builder.Services.AddHostedService(services => services.GetRequiredService<Catalog.ReplicaLag>());
        }

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(DirectConnections.Create);
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddSingleton<DatabaseReadiness>();
        builder.Services.AddHostedService<DatabaseStartup>();
        // One listening connection for every feature that follows a channel (runtime settings, sign-outs).
        builder.Services.AddHostedService<DatabaseNotifications>();
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
    }

    /// <summary>Until the schema is in place the API answers 503 with Retry-After rather than fail on missing tables.</summary>
    public static void UseDatabaseReadiness(this WebApplication app) =>
        app.Use(async (context, next) =>
        {
            var readiness = context.RequestServices.GetRequiredService<DatabaseReadiness>();
            if (readiness.Migrated || !context.Request.Path.StartsWithSegments("/api"))
            {
                await next(context);
                return;
            }

            context.Response.Headers.RetryAfter = "1";
            await TypedResults.Problem(title: "Starting up", detail: "The shop is preparing its database; retry shortly.",
                statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
        });

    public static void MapHealthApi(this WebApplication app)
    {
        // Live: the process answers. Ready: migrations done and the database answers right now.
        // Never refused by the edge: a load balancer must see the truth, not a shed probe, when the shop is busy.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).WithoutAdmission();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") }).WithoutAdmission();
    }
}
