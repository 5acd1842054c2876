using System.Diagnostics;
using System.Net;
using System.Text;
using Bulwark.Lab.Alerting;
using Bulwark.Lab.Orchestration;
using Bulwark.LocalPostgres;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Lab.Tests.Alerting;

/// <summary>
/// The lab's alerting path end to end, with the real programs: Prometheus scrapes a small HTTP target
/// whose pool sits at 90% of its limit, evaluates the repository's alerts.yml (time-scaled), and
/// Alertmanager posts the firing alert to the lab's webhook.
/// </summary>
public class PrometheusAlertingTests
{
    /// <summary>A shop's /metrics reduced to what the pool alerts read: 9 connections used of a limit of 10.</summary>
    const string Metrics = """
        # TYPE db_client_connection_count gauge
        db_client_connection_count{db_client_connection_state="used",otel_scope_name="Bulwark.Guard"} 9
        db_client_connection_count{db_client_connection_state="idle",otel_scope_name="Bulwark.Guard"} 1
        # TYPE bulwark_db_limit gauge
        bulwark_db_limit 10
        # TYPE bulwark_ready gauge
        bulwark_ready 1

        """;

    [Fact]
    public async Task A_pool_at_90_percent_of_its_limit_fires_the_80_percent_alert_through_alertmanager_to_the_webhook()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        await using var target = MetricsTarget.Start(Metrics);
        // Divided by 30: the rule's 1 min hold is 2 s, so the test stays short.
        var rules = TimeScaledRules.Load(File.ReadAllText(Path.Combine(RepoLayout.Find().Root, "deploy", "prometheus", "alerts.yml")), 30);
        var logs = Directory.CreateTempSubdirectory("bulwark-alerting-test-").FullName;

        try
        {
            int[] pids;
            var started = DateTimeOffset.UtcNow;
            await using (var observers = await AlertObservers.StartAsync(target.Address, rules, cpus: null, Path.Combine(logs, "test-"), TimeProvider.System, NullLogger.Instance, ct))
            {
                pids = [.. observers.ProcessIds];
                await observers.WaitForFirstScrapeAsync(ct);

                while (!observers.Webhook.Received.Any(a => a is { Name: "BulwarkPoolUseHigh", Status: "firing" }))
                    await Task.Delay(200, ct);

                var observed = await observers.CollectAsync(started, DateTimeOffset.UtcNow, ct);
                var alerts = AlertTimeline.Build(rules.Rules, observed, started);
                var high = alerts.Single(a => a.Name == "BulwarkPoolUseHigh");
                Assert.NotNull(high.FiredAtSeconds);
                Assert.NotNull(high.NotifiedAtSeconds);
                Assert.True(high.SecondsFiring >= 1);
                Assert.Equal("127.0.0.1:" + target.Address.Port, observed.Notifications.First(n => n.Name == "BulwarkPoolUseHigh").Labels["instance"]);
                // 90% is under the 95% threshold, and the target is up and ready.
                Assert.Null(alerts.Single(a => a.Name == "BulwarkPoolUseCritical").FiredAtSeconds);
                Assert.Null(alerts.Single(a => a.Name == "BulwarkInstanceNotReady").FiredAtSeconds);
                Assert.Equal(0, observers.Webhook.Rejected);
                Assert.StartsWith("Prometheus 2.", observers.Versions);
            }

            Assert.All(pids, pid => Assert.False(IsRunning(pid), $"process {pid} outlived the observers"));
        }
        finally
        {
            Directory.Delete(logs, recursive: true);
        }
    }

    static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Serves a fixed text at /metrics on a free loopback port.</summary>
    sealed class MetricsTarget : IAsyncDisposable
    {
        readonly HttpListener _listener = new();
        readonly Task _serving;

        MetricsTarget(string metrics)
        {
            Address = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}/");
            _listener.Prefixes.Add(Address.ToString());
            _listener.Start();
            var body = Encoding.UTF8.GetBytes(metrics);
            _serving = Task.Run(async () =>
            {
                while (true)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                    {
                        return;
                    }
                    try
                    {
                        context.Response.ContentType = "text/plain; version=0.0.4";
                        await context.Response.OutputStream.WriteAsync(body);
                        context.Response.Close();
                    }
                    catch (HttpListenerException)
                    {
                        // Prometheus gave up on a scrape (its timeout, on a machine busy with other test runs): the
                        // next scrape asks again; a broken pipe here is not the test's failure.
                    }
                }
            });
        }

        public Uri Address { get; }

        public static MetricsTarget Start(string metrics) => new(metrics);

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            await _serving;
        }
    }
}
