using Bulwark.Guard.Budget;
using System.Diagnostics.Metrics;
using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bulwark.Guard.DependencyInjection;

/// <summary>Wiring for an ASP.NET Core app: one call for services, one for the middleware.</summary>
public static class GuardServiceCollectionExtensions
{
    /// <summary>
    /// Registers the guard for <paramref name="connectionString"/>, configured from
    /// <paramref name="guardSection"/> (usually <c>configuration.GetSection("Guard")</c>), validated at start:
    /// <see cref="NpgsqlDataSource"/> (sized by mode), <see cref="IDatabaseGate"/> (the gate, or a
    /// pass-through in Off mode) also as <see cref="IGateControl"/>, <see cref="IGatePressure"/> and
    /// <see cref="IGateStatisticsProvider"/>, <see cref="GateMetrics"/>, <see cref="LoginThrottle"/>, and
    /// the start-up that reads the server's connection budget.
    /// </summary>
    public static IServiceCollection AddBulwarkGuard(this IServiceCollection services, IConfiguration guardSection, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        services.AddOptions<GuardOptions>().Bind(guardSection).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GuardOptions>, GuardOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();

        services.AddSingleton(sp => new GuardDataSourceFactory(connectionString, sp.GetRequiredService<IOptions<GuardOptions>>(),
            sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => sp.GetRequiredService<GuardDataSourceFactory>().DataSource);
        services.AddSingleton(sp => new GateMetrics(Options(sp).PoolName, sp.GetService<IMeterFactory>()));

        services.AddSingleton(CreateGate);
        services.AddSingleton(sp => (IDatabaseGate)sp.GetRequiredService<GuardGate>().Gate);
        services.AddSingleton(sp => (IGateControl)sp.GetRequiredService<GuardGate>().Gate);
        services.AddSingleton(sp => (IGatePressure)sp.GetRequiredService<GuardGate>().Gate);
        services.AddSingleton(sp => (IGateStatisticsProvider)sp.GetRequiredService<GuardGate>().Gate);

        services.AddSingleton(sp =>
        {
            var fixedCount = Options(sp).FixedInstances;
            // Resolved at the first read, after the start-up has joined the shared budget.
            var shared = new Lazy<SharedBudgetHolder>(sp.GetRequiredService<SharedBudgetHolder>);
            return new LiveInstances(() => fixedCount ?? shared.Value.Budget?.Instances ?? 1);
        });
        services.AddSingleton<EdgeLimiters>();
        services.AddSingleton<EdgeRouteTable>();
        services.AddSingleton<ProcessingDelay>();
        services.AddSingleton(sp => new CpuSaturation(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<RequestsInFlight>();
        services.AddSingleton<CpuContention>();
        services.AddSingleton(sp => new LoginThrottle(sp.GetRequiredService<IGateControl>(), Options(sp).Mode,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IGatePressure>()));
        services.AddExceptionHandler<AdmissionExceptionHandler>();
        services.AddSingleton(CreateSharedBudget);
        services.AddHostedService<GuardStartup>();
        return services;
    }

    /// <summary>
    /// The edge's refusals: rate limits and sign-in floods (429), shedding (503), decided from a
    /// precomputed route table. Call first, before routing and authentication. Nothing in Off mode.
    /// </summary>
    public static IApplicationBuilder UseBulwarkEdge(this IApplicationBuilder app) =>
        app.UseMiddleware<EdgeRefusalMiddleware>();

    /// <summary>
    /// Deadlines and operation names for admitted requests, and the mapping of later refusals (the gate,
    /// the deadline) to 503 + Retry-After. Call after routing. Nothing in Off mode.
    /// </summary>
    public static IApplicationBuilder UseBulwarkAdmission(this IApplicationBuilder app) =>
        app.UseMiddleware<AdmissionMiddleware>();

    private static GuardOptions Options(IServiceProvider services) =>
        services.GetRequiredService<IOptions<GuardOptions>>().Value;

    private static GuardGate CreateGate(IServiceProvider services) =>
        CreateGate(services, Options(services), services.GetRequiredService<GuardDataSourceFactory>(), services.GetRequiredService<GateMetrics>());

    internal static GuardGate CreateGate(IServiceProvider services, GuardOptions options, GuardDataSourceFactory factory, GateMetrics metrics)
    {
        var dataSource = factory.DataSource;
        var clock = services.GetRequiredService<TimeProvider>();
        var npgsqlName = GuardDataSource.NpgsqlPoolName(options);
        if (options.Mode == GuardMode.Off)
        {
            return new GuardGate(new PassThroughGate(dataSource, clock, metrics, npgsqlName));
        }

        var gateOptions = new DatabaseGateOptions
        {
            PoolName = options.PoolName,
            NpgsqlPoolName = npgsqlName,
            ServerCeiling = factory.PoolSize,
            LeakThreshold = options.LeakThreshold,
            Retry = options.Retry,
            ReservedConnections = options.ReservedConnections,
            Instances = options.FixedInstances,
            ConnectionBudget = options.ConnectionBudget,
        };
        return new GuardGate(new DatabaseGate(dataSource, options.ToSettings(), gateOptions, clock,
            services.GetRequiredService<ILogger<DatabaseGate>>(), metrics));
    }

    /// <summary>With the gate on and no fixed <c>Guard:Instances</c>: the instances divide the budget among themselves.</summary>
    private static SharedBudgetHolder CreateSharedBudget(IServiceProvider services)
    {
        var options = Options(services);
        if (options.Mode == GuardMode.Off || options.FixedInstances is not null)
        {
            return new SharedBudgetHolder(null);
        }

        var factory = services.GetRequiredService<GuardDataSourceFactory>();
        return new SharedBudgetHolder(new SharedConnectionBudget(
            new InstanceRegistry(options.PoolName, Guid.NewGuid(), options.InstanceExpiry),
            services.GetRequiredService<IDatabaseGate>(), services.GetRequiredService<IGateControl>(), () => factory.SharedBudget,
            options.InstanceHeartbeat, services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<SharedConnectionBudget>>(), services.GetService<IMeterFactory>()));
    }

    /// <summary>The shared budget, or null when the instances' share is fixed (or there is no gate).</summary>
    public sealed record SharedBudgetHolder(SharedConnectionBudget? Budget);

    /// <summary>The one gate instance behind the four interfaces.</summary>
    internal sealed class GuardGate(object gate) : IDisposable
    {
        public object Gate { get; } = gate;

        public void Dispose() => (Gate as IDisposable)?.Dispose();
    }
}
