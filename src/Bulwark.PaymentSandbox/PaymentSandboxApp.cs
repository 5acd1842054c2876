using Bulwark.PaymentSandbox.Charges;
using Bulwark.PaymentSandbox.Faults;
using Bulwark.PaymentSandbox.Refunds;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Bulwark.PaymentSandbox;

/// <summary>
/// Builds the payment sandbox, either as its own process (Program.cs) or inside another app's process on its
/// own loopback port.
/// </summary>
/// <example>
/// Hosting it in-process and finding the port it got:
/// <code>
/// var sandbox = PaymentSandboxApp.Create("http://127.0.0.1:0");
/// await sandbox.StartAsync(cancellationToken);
/// var baseAddress = new Uri(sandbox.Urls.Single()); // e.g. http://127.0.0.1:41234 — the real port, not 0
/// // ... later
/// await sandbox.StopAsync(cancellationToken);
/// await sandbox.DisposeAsync();
/// </code>
/// <c>app.Urls</c> is the server's <c>IServerAddressesFeature.Addresses</c>, which Kestrel rewrites with the
/// bound port once <c>StartAsync</c> has returned.
/// </example>
public static class PaymentSandboxApp
{
    /// <summary>Largest request body accepted; a charge is a few hundred bytes.</summary>
    public const long MaxRequestBodyBytes = 16 * 1024;

    /// <summary>
    /// Builds the sandbox web app listening on <paramref name="url"/> (e.g. <c>"http://127.0.0.1:0"</c> for a
    /// free port). Nothing is bound until the app is started.
    /// </summary>
    /// <param name="url">Where to listen. A <c>--urls</c> in <paramref name="args"/> takes precedence.</param>
    /// <param name="configure">Applied after the <c>PaymentSandbox</c> section of <paramref name="args"/>.</param>
    /// <param name="args">
    /// Command-line arguments, the only outside configuration the sandbox reads: <c>--urls</c>,
    /// <c>--PaymentSandbox:SlowTokenDelay=00:00:01</c>, <c>--PaymentSandbox:RandomSeed=42</c>,
    /// <c>--Logging:LogLevel:Default=Debug</c>.
    /// </param>
    public static WebApplication Create(string url, Action<PaymentSandboxOptions>? configure = null, string[]? args = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);

        // The empty builder reads no appsettings*.json, no environment variables and no hosting startup
        // assemblies. Hosted inside the shop, the shop's ASPNETCORE_URLS, Kestrel endpoints, environment and
        // appsettings would otherwise leak in and move or reshape the sandbox.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(PaymentSandboxApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });

        builder.Configuration.AddInMemoryCollection([new(WebHostDefaults.ServerUrlsKey, url)]);
        if (args is not null)
        {
            builder.Configuration.AddCommandLine(args);
        }

        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
        });

        AddLogging(builder.Logging, builder.Configuration);

        // The embedding app owns the process: the sandbox's "Application started. Press Ctrl+C" lines would
        // only repeat (and confuse) the host's. "Now listening on" still shows which port the sandbox got.
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);

        builder.Services.AddRoutingCore();
        builder.Services.AddProblemDetails();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<PaymentSandboxOptions>()
            .BindConfiguration(PaymentSandboxOptions.SectionName)
            .Configure(options => configure?.Invoke(options))
            .Validate(
                options => options.SlowTokenDelay >= TimeSpan.Zero && options.SlowTokenDelay <= PaymentSandboxOptions.MaxDelay,
                "PaymentSandbox:SlowTokenDelay must be between 0 and 60 seconds.")
            .Validate(
                options => options.HangLimit > TimeSpan.Zero && options.HangLimit <= PaymentSandboxOptions.MaxDelay,
                "PaymentSandbox:HangLimit must be more than 0 and at most 60 seconds.")
            .ValidateOnStart();
        builder.Services.AddCharges();
        builder.Services.AddRefunds();
        builder.Services.AddFaults();

        var app = builder.Build();

        // Every error is problem+json: unexpected exceptions, and empty-bodied 404/405s from routing.
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        app.MapChargesApi();
        app.MapRefundsApi();
        app.MapFaultsApi();
        return app;
    }

    private static void AddLogging(ILoggingBuilder logging, IConfiguration configuration)
    {
        // Quiet by default: in-process the sandbox shares the shop's console, and the load lab sends thousands
        // of charges a second. Charges log at Debug; fault changes and the bound address at Information.
        logging.SetMinimumLevel(LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        logging.AddFilter("Bulwark.PaymentSandbox", LogLevel.Information);
        logging.AddSimpleConsole(console => console.SingleLine = true);

        // Last, so --Logging:LogLevel:... on the command line wins over the defaults above.
        logging.AddConfiguration(configuration.GetSection("Logging"));
    }
}
