namespace Bulwark.Shop.Hosting;

/// <summary>
/// Stops what <see cref="EmbeddedDefaults"/> started when the shop stops (Ctrl-C, SIGTERM). The container
/// never disposes an instance it was handed, so the host's stop is where the cluster goes down.
/// </summary>
public sealed class EmbeddedDefaultsLifetime(EmbeddedDefaults embedded) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) => await embedded.DisposeAsync();
}
