using Bulwark.Guard.Budget;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bulwark.Guard.DependencyInjection;

/// <summary>
/// A second gate, for a read-only data source (streaming standbys): its own Npgsql pool, its own adaptive
/// limit and its own metrics (pool <c>bulwark-readonly</c>), so a slow standby sheds reads without touching the
/// primary's gate and the primary's writers never wait behind catalog reads. Its ceiling is the standby's
/// budget (its max_connections less the reserves) divided by the live instances the primary's shared budget
/// counts, renewed at every heartbeat. Resolved as the keyed service <see cref="Key"/>.
/// </summary>
public sealed class ReadOnlyGate(IDatabaseGate gate, IGateControl control, GuardDataSourceFactory factory) : IDisposable
{
    public const string Key = "read-only";

    public IDatabaseGate Gate => gate;

    public IGateControl Control => control;

    public GuardDataSourceFactory Factory => factory;

    public void Dispose() => (gate as IDisposable)?.Dispose();
}

public static class ReadOnlyGateRegistration
{
    /// <summary>
    /// Registers <see cref="ReadOnlyGate"/> (and its <see cref="IDatabaseGate"/> under the key
    /// <see cref="ReadOnlyGate.Key"/>) for <paramref name="connectionString"/>, with the <c>Guard</c> settings
    /// of the main gate. Call after <c>AddBulwarkGuard</c>.
    /// </summary>
    public static IServiceCollection AddBulwarkReadOnlyGate(this IServiceCollection services, IConfiguration guardSection, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var options = new Lazy<GuardOptions>(() =>
        {
            var bound = guardSection.Get<GuardOptions>() ?? new GuardOptions();
            bound.PoolName += "-readonly";
            // One instance's pool may use the standby's whole budget; the gate holds it to its share, as on the primary.
            bound.ShareBudget = false;
            bound.Instances = 1;
            // A standby that does not answer must not hold up the start: reads go to the primary meanwhile.
            bound.StartupProbeTimeout = TimeSpan.FromSeconds(2);
            return bound;
        });
        // The factory apart from the gate: the start-up asks the standby for its budget before the pool is built.
        services.AddKeyedSingleton(ReadOnlyGate.Key, (sp, _) => new GuardDataSourceFactory(connectionString,
            Microsoft.Extensions.Options.Options.Create(options.Value), sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp =>
        {
            var factory = sp.GetRequiredKeyedService<GuardDataSourceFactory>(ReadOnlyGate.Key);
            var metrics = new GateMetrics(options.Value.PoolName, sp.GetService<System.Diagnostics.Metrics.IMeterFactory>());
            var gate = GuardServiceCollectionExtensions.CreateGate(sp, options.Value, factory, metrics).Gate;
            return new ReadOnlyGate((IDatabaseGate)gate, (IGateControl)gate, factory);
        });
        services.AddKeyedSingleton(ReadOnlyGate.Key, (sp, _) => sp.GetRequiredService<ReadOnlyGate>().Gate);
        services.AddHostedService<ReadOnlyGateStartup>();
        return services;
    }
}

/// <summary>Reads the standby's budget before traffic (briefly), then keeps the read-only gate's share at budget ÷ live instances.</summary>
public sealed class ReadOnlyGateStartup(IServiceProvider services, IOptions<GuardOptions> options, LiveInstances live, TimeProvider clock)
    : IHostedLifecycleService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _background = Task.CompletedTask;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Mode == GuardMode.Off)
        {
            return;
        }

        await services.GetRequiredKeyedService<GuardDataSourceFactory>(ReadOnlyGate.Key).DiscoverAsync(cancellationToken);
        _background = FollowInstancesAsync(_stopping.Token);
    }

    private async Task FollowInstancesAsync(CancellationToken stopping)
    {
        var gate = services.GetRequiredService<ReadOnlyGate>();
        var applied = 0;
        using var timer = new PeriodicTimer(options.Value.InstanceHeartbeat, clock);
        do
        {
            if (gate.Factory.SharedBudget is null)
            {
                try
                {
                    await gate.Factory.DiscoverAsync(stopping);
                }
                catch (Exception failure) when (failure is not OperationCanceledException)
                {
                    // The standby is still away: the reads go to the primary, and the next tick asks again.
                }
            }

            if (gate.Factory.SharedBudget is { } budget && Math.Max(1, budget / live.Count) is var share && share != applied)
            {
                gate.Control.SetShare(Math.Min(share, gate.Factory.PoolSize));
                applied = share;
            }
        }
        while (await WaitAsync(timer, stopping));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stopping)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stopping);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _background;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _stopping.Dispose();
}
