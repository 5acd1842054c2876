using Bulwark.Guard.Budget;
using Bulwark.Guard.Gate;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bulwark.Guard.DependencyInjection;

/// <summary>
/// Reads the server's connection budget before any hosted service starts (<see cref="StartingAsync"/>
/// runs ahead of every <c>StartAsync</c>), so the pool is built at the right size. If the server did
/// not answer, keeps asking in the background and moves the gate's ceiling when it does.
/// </summary>
public sealed partial class GuardStartup(GuardDataSourceFactory factory, IServiceProvider services,
    IOptions<GuardOptions> options, TimeProvider clock, ILogger<GuardStartup> logger)
    : IHostedLifecycleService, IDisposable
{
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource _stopping = new();
    private Task _background = Task.CompletedTask;
    private SharedConnectionBudget? _shared;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Mode == GuardMode.Off)
        {
            return;
        }

        var discovered = await factory.DiscoverAsync(cancellationToken);
        var control = services.GetRequiredService<IGateControl>();
        if (!discovered)
        {
            _background = KeepAskingAsync(control, _stopping.Token);
        }

        // Resolved only now: the shared budget needs the gate, and the gate the pool, which must wait for the discovery.
        _shared = services.GetRequiredService<GuardServiceCollectionExtensions.SharedBudgetHolder>().Budget;
        if (_shared is { } budget)
        {
            await JoinAsync(budget, control, cancellationToken);
            _background = Task.WhenAll(_background, budget.RunAsync(_stopping.Token));
        }
    }

    /// <summary>
    /// The first claim, before any traffic. If the registry cannot be reached yet, the instance starts on the
    /// fallback share (as it would on a fixed count it could not check) until a heartbeat succeeds.
    /// </summary>
    private async Task JoinAsync(SharedConnectionBudget budget, IGateControl control, CancellationToken cancellationToken)
    {
        try
        {
            await budget.BeatAsync(cancellationToken);
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            StillUnreachable(logger, failure.Message);
        }

        if (budget.Claim == 0)
        {
            control.SetShare(Math.Min(options.Value.FallbackCeiling, factory.PoolSize));
        }
    }

    private async Task KeepAskingAsync(IGateControl control, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RetryEvery, clock, stopping);
                var ceiling = await control.RefreshCeilingAsync(stopping);
                CeilingLearnedLate(logger, ceiling);
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception failure)
            {
                StillUnreachable(logger, failure.Message);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _background;
        if (_shared is { Claim: > 0 } budget)
        {
            try
            {
                await budget.LeaveAsync(cancellationToken);
            }
            catch (Exception failure) when (failure is not OperationCanceledException)
            {
                // The others take the share back after the expiry instead.
                StillUnreachable(logger, failure.Message);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(EventId = 4133, Level = LogLevel.Information, Message = "The server answered at last: connection ceiling now {Ceiling}.")]
    private static partial void CeilingLearnedLate(ILogger logger, int ceiling);

    [LoggerMessage(EventId = 4134, Level = LogLevel.Debug, Message = "Server still unreachable for the ceiling: {Failure}")]
    private static partial void StillUnreachable(ILogger logger, string failure);
}
