using Bulwark.Guard.DependencyInjection;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Telemetry;
using Bulwark.Guard.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bulwark.Guard.Tests.Postgres;

/// <summary>A generic host wired with <c>AddBulwarkGuard</c> exactly as an app would, started for real.</summary>
public sealed class GuardHost : IAsyncDisposable
{
    private readonly IHost _host;

    private GuardHost(IHost host, LogCollector logs)
    {
        _host = host;
        Logs = logs;
    }

    public LogCollector Logs { get; }

    public IServiceProvider Services => _host.Services;

    public IDatabaseGate Gate => Services.GetRequiredService<IDatabaseGate>();

    public GateStatistics Statistics => Services.GetRequiredService<IGateStatisticsProvider>().GetStatistics();

    public static async Task<GuardHost> StartAsync(string connectionString, IReadOnlyDictionary<string, string?> guard)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(guard.Select(kv => KeyValuePair.Create("Guard:" + kv.Key, kv.Value)));
        var logs = new LogCollector();
        builder.Logging.AddProvider(logs);
        builder.Services.AddBulwarkGuard(builder.Configuration.GetSection(GuardOptions.Section), connectionString);
        var host = builder.Build();
        await host.StartAsync();
        return new GuardHost(host, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
