using System.Text.Json;
using Bulwark.Lab.Alerting;

namespace Bulwark.Lab.Tests.Alerting;

public class AlertTimelineTests
{
    static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    static LabAlertRule Rule(string name) => new(name, "warning", name + " summary", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(6), [], []);

    [Fact]
    public void Firing_time_comes_from_alertmanagers_startsAt_and_seconds_firing_from_the_alerts_series()
    {
        var observed = new AlertObservation(
            new Dictionary<string, IReadOnlyList<DateTimeOffset>> { ["A"] = [.. Enumerable.Range(15, 5).Select(s => Start.AddSeconds(s))] },
            new HashSet<string> { "B" },
            [
                new AlertNotification("A", "firing", new Dictionary<string, string>(), Start.AddSeconds(14.2), Start.AddSeconds(14.5)),
                new AlertNotification("A", "resolved", new Dictionary<string, string>(), Start.AddSeconds(14.2), Start.AddSeconds(20.1)),
            ]);

        var alerts = AlertTimeline.Build([Rule("A"), Rule("B"), Rule("C")], observed, Start);

        Assert.Equal((14.2, 14.5, 5.0), (alerts[0].FiredAtSeconds!.Value, alerts[0].NotifiedAtSeconds!.Value, alerts[0].SecondsFiring));
        Assert.Null(alerts[1].FiredAtSeconds);
        Assert.True(alerts[1].PendingAtEnd);
        Assert.Equal((null, false), (alerts[2].FiredAtSeconds, alerts[2].PendingAtEnd));
        Assert.Contains("held 6s (rule: 1m)", alerts[0].Condition);
    }

    [Fact]
    public void Without_a_notification_the_first_firing_sample_is_the_firing_time()
    {
        var observed = new AlertObservation(
            new Dictionary<string, IReadOnlyList<DateTimeOffset>> { ["A"] = [Start.AddSeconds(30), Start.AddSeconds(31)] }, new HashSet<string>(), []);

        var alert = AlertTimeline.Build([Rule("A")], observed, Start).Single();

        Assert.Equal(30, alert.FiredAtSeconds);
        Assert.Null(alert.NotifiedAtSeconds);
    }

    [Fact]
    public void A_webhook_body_is_read_as_alertmanager_version_4_sends_it()
    {
        const string body = """
            {"version":"4","status":"firing","receiver":"lab","groupKey":"{}:{alertname=\"BulwarkPoolUseHigh\"}",
             "alerts":[{"status":"firing","labels":{"alertname":"BulwarkPoolUseHigh","instance":"127.0.0.1:5080","severity":"warning"},
                        "annotations":{"summary":"x"},"startsAt":"2026-01-01T12:00:14.2Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"ab"},
                       {"status":"firing","labels":{"no":"name"}}]}
            """;
        var alerts = AlertWebhook.Parse(JsonDocument.Parse(body), Start.AddSeconds(15))!;

        var alert = Assert.Single(alerts);
        Assert.Equal(("BulwarkPoolUseHigh", "firing", Start.AddMilliseconds(14_200)), (alert.Name, alert.Status, alert.StartsAt));
        Assert.Equal("127.0.0.1:5080", alert.Labels["instance"]);
        Assert.Null(AlertWebhook.Parse(JsonDocument.Parse("{\"hello\":1}"), Start));
    }
}
