using Bulwark.Guard.Deadlines;
using Bulwark.Shop.Database;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.RuntimeSettings;

/// <summary>
/// Keeps this instance on the newest settings version: applies it at start, on every NOTIFY, and on a
/// slow poll in case a notification was missed (through <see cref="DatabaseNotifications"/>). No restart
/// is ever needed.
/// </summary>
public sealed class SettingsApplier(SettingsStore store, IEnumerable<IRuntimeSettingsConsumer> consumers,
    IOptions<RuntimeSettingsOptions> options, TimeProvider clock, ILogger<SettingsApplier> logger) : IDatabaseNotificationHandler
{
    private readonly SemaphoreSlim _applying = new(1, 1);
    private volatile int _appliedVersion;

    /// <summary>The settings version this instance runs with (0 before the first).</summary>
    public int AppliedVersion => _appliedVersion;

    public async Task ApplyLatestAsync(CancellationToken cancellationToken)
    {
        await _applying.WaitAsync(cancellationToken);
        try
        {
            using var deadline = RequestDeadline.Set(clock.GetUtcNow() + TimeSpan.FromSeconds(5));
            var current = await store.CurrentAsync(cancellationToken);
            if (current is null || current.Version == _appliedVersion)
            {
                return;
            }

            foreach (var consumer in consumers)
            {
                consumer.Apply(current.Settings);
            }

            _appliedVersion = current.Version;
            logger.LogInformation("Applied runtime settings version {Version} ({Reason}, by {ChangedBy})", current.Version, current.Reason, current.ChangedBy);
        }
        finally
        {
            _applying.Release();
        }
    }

    public string Channel => SettingsStore.Channel;

    public TimeSpan CatchUpInterval => options.Value.PollInterval;

    public Task OnNotificationAsync(string payload, CancellationToken cancellationToken) => ApplyLatestAsync(cancellationToken);

    public Task CatchUpAsync(CancellationToken cancellationToken) => ApplyLatestAsync(cancellationToken);
}
