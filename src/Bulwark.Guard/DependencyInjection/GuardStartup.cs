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
    IOptions<GuardOptions> options, TimeProvider clock, ILogger<GuardStartup> logger) : IHostedLifecycleService, IDisposable
{
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource _stopping = new();
    private Task _background = Task.CompletedTask;

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
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(EventId = 4133, Level = LogLevel.Information, Message = "The server answered at last: connection ceiling now {Ceiling}.")]
    private static partial void CeilingLearnedLate(ILogger logger, int ceiling);

    [LoggerMessage(EventId = 4134, Level = LogLevel.Debug, Message = "Server still unreachable for the ceiling: {Failure}")]
    private static partial void StillUnreachable(ILogger logger, string failure);
}
