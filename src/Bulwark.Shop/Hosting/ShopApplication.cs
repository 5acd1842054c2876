using Bulwark.Shop.Accounts;
using Bulwark.Shop.ApiContract;
using Bulwark.Shop.Audit;
using Bulwark.Shop.Cart;
using Bulwark.Shop.Catalog;
using Bulwark.Shop.Catalog.Admin;
using Bulwark.Shop.Checkout;
using Bulwark.Shop.Database;
using Bulwark.Shop.Errors;
using Bulwark.Shop.Operations;
using Bulwark.Shop.Orders;
using Bulwark.Shop.Payments;
using Bulwark.Shop.RuntimeSettings;
using Bulwark.Shop.Sales;
using Bulwark.Shop.Storefront;
using Bulwark.Shop.WaitingRoom;
using Bulwark.Guard.DependencyInjection;

namespace Bulwark.Shop.Hosting;

/// <summary>
/// Builds the shop as a <see cref="WebApplication"/>: the entry point runs it, tests host the very same
/// application on a real Kestrel socket with their own settings.
/// </summary>
public static class ShopApplication
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static Task<WebApplication> BuildAsync(string[] args, CancellationToken cancellationToken = default) =>
        BuildAsync(args, configure: null, cancellationToken);

    /// <param name="configure">
    /// Runs after the shop's own registrations, before the application is built: tests attach what a
    /// deployment attaches from outside (an in-memory span exporter where production has a collector).
    /// </param>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure, CancellationToken cancellationToken = default)
    {
        // appsettings.json ships beside the binary; the working directory is where .bulwark/ lives
        // (the repository root for `dotnet run --project src/Bulwark.Shop`), so the two are kept apart.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        var embedded = await EmbeddedDefaults.StartAsync(builder.Configuration, cancellationToken);
        builder.Services.AddSingleton(embedded);
        // Registered before every other hosted service, so it stops last: the database outlives its users.
        builder.Services.AddHostedService<EmbeddedDefaultsLifetime>();

        builder.AddShopErrors();
        builder.AddSlowClientLimits();
        builder.AddTrustedProxies();
        builder.AddShopDatabase();
        builder.AddCatalog();
        builder.AddCatalogAdmin();
        builder.AddAudit();
        builder.AddAccounts();
        builder.AddCart();
        builder.AddPayments();
        builder.AddSales();
        builder.AddCheckout();
        builder.AddWaitingRoom();
        builder.AddOrders();
        builder.AddRuntimeSettings(ShopSettings.FromConfiguration(builder.Configuration));
        builder.AddOperations();
        builder.AddApiContract();
        configure?.Invoke(builder);

        var app = builder.Build();
        // Size Npgsql's pool from the server's max_connections before any hosted service asks for the pool.
        await app.Services.GetRequiredService<GuardDataSourceFactory>().DiscoverAsync(cancellationToken);
        app.UseTrustedProxies();
        app.UseShopErrors();
        // Refusals first: a flood is answered before routing, authentication or any JSON (issue 8).
        app.UseBulwarkEdge();
        app.UseRouting();
        // A slow upload is cut by Kestrel's minimum data rate (408), before any deadline runs.
        app.UseBodiesBeforeDeadlines();
        app.UseDatabaseReadiness();
        app.UseAuthentication();
        // Deadlines for admitted requests, and 503s for refusals that come later from the gate.
        app.UseBulwarkAdmission();
        app.UseAuthorization();

        app.MapCatalogApi();
        app.MapAccountsApi();
        app.MapCartApi();
        app.MapCheckoutApi();
        app.MapWaitingRoomApi();
        app.MapOrdersApi();
        app.MapAdminOrdersApi();
        app.MapHealthApi();
        app.MapRuntimeSettingsApi();
        app.MapCatalogAdminApi();
        app.MapSalesApi();
        app.MapAuditApi();
        app.MapStorefront();
        app.MapOperations();
        app.MapApiContract();
        return app;
    }
}
