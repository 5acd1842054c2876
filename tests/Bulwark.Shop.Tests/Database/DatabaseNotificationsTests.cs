using Bulwark.Guard.Gate;
using Bulwark.LocalPostgres;
using Bulwark.Shop.Database;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;

namespace Bulwark.Shop.Tests.Database;

public sealed class DatabaseNotificationsTests
{
    /// <summary>A channel whose catch-up fails as told for its first calls, then succeeds.</summary>
    private sealed class FailingFirst(string channel, Exception failure, int failures) : IDatabaseNotificationHandler
    {
        private int _calls;

        public string Channel => channel;

        public TimeSpan CatchUpInterval => TimeSpan.FromMilliseconds(50);

        public int Calls => Volatile.Read(ref _calls);

        public Task OnNotificationAsync(string payload, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task CatchUpAsync(CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) <= failures ? Task.FromException(failure) : Task.CompletedTask;
    }

    [Fact]
    public async Task A_catch_up_the_gate_refuses_is_one_line_of_information_and_a_failing_one_a_warning_with_its_exception_both_tried_again()
    {
        await using var cluster = await LocalPostgresCluster.StartEphemeralAsync();
        await using var direct = new DirectConnections(NpgsqlDataSource.Create(cluster.ConnectionString));
        var refused = new FailingFirst("refused_channel",
            new AdmissionRejectedException(Priority.Normal, RejectionReason.DeadlineUnmeetable, TimeSpan.FromSeconds(2)), failures: 2);
        var broken = new FailingFirst("broken_channel", new InvalidOperationException("the handler's query broke"), failures: 1);
        var readiness = new DatabaseReadiness();
        readiness.MarkMigrated();
        var logger = new FakeLogger<DatabaseNotifications>();
        using var notifications = new DatabaseNotifications(direct, [refused, broken], readiness, TimeProvider.System, logger);

        await notifications.StartAsync(CancellationToken.None);
        for (var i = 0; i < 200 && (refused.Calls < 3 || broken.Calls < 2); i++) await Task.Delay(50);
        await notifications.StopAsync(CancellationToken.None);

        Assert.True(refused.Calls >= 3 && broken.Calls >= 2, $"catch-ups tried {refused.Calls} and {broken.Calls} times");
        var records = logger.Collector.GetSnapshot();
        var putOff = records.Where(r => r.Message.StartsWith("refused_channel", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, putOff.Count);
        Assert.All(putOff, r =>
        {
            Assert.Equal(LogLevel.Information, r.Level);
            Assert.Null(r.Exception);
            Assert.Contains("deadline_unmeetable", r.Message, StringComparison.Ordinal);
        });
        var failed = Assert.Single(records, r => r.Message.StartsWith("broken_channel", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, failed.Level);
        Assert.IsType<InvalidOperationException>(failed.Exception);
    }
}
