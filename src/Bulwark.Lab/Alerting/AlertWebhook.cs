using System.Net;
using System.Text.Json;
using Bulwark.Lab.Orchestration;
using Bulwark.LocalPostgres;

namespace Bulwark.Lab.Alerting;

/// <summary>One alert in one Alertmanager notification, with when the lab received it.</summary>
public sealed record AlertNotification(string Name, string Status, IReadOnlyDictionary<string, string> Labels, DateTimeOffset StartsAt, DateTimeOffset ReceivedAt);

/// <summary>
/// The receiver Alertmanager's <c>webhook_configs</c> posts to: an <see cref="HttpListener"/> on
/// 127.0.0.1 that keeps every alert of every notification (Alertmanager's webhook format, version 4)
/// with the time it arrived.
/// </summary>
public sealed class AlertWebhook : IAsyncDisposable
{
    readonly HttpListener _listener = new();
    readonly List<AlertNotification> _received = [];
    readonly Lock _gate = new();
    readonly TimeProvider _time;
    readonly Task _serving;
    int _rejected;

    AlertWebhook(Uri address, TimeProvider time)
    {
        Address = address;
        _time = time;
        _listener.Prefixes.Add(address.GetLeftPart(UriPartial.Authority) + "/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>The URL to give Alertmanager.</summary>
    public Uri Address { get; }

    public static AlertWebhook Start(TimeProvider time) => new(new Uri($"http://127.0.0.1:{LoopbackPort.Free()}/alerts"), time);

    public IReadOnlyList<AlertNotification> Received
    {
        get
        {
            lock (_gate) return [.. _received];
        }
    }

    /// <summary>Posts that were not Alertmanager notifications (wrong method, path or body).</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;   // stopped
            }
            var received = _time.GetUtcNow();
            try
            {
                var alerts = context.Request is { HttpMethod: "POST", Url.AbsolutePath: "/alerts" }
                    ? Parse(await JsonDocument.ParseAsync(context.Request.InputStream), received)
                    : null;
                if (alerts is null) Interlocked.Increment(ref _rejected);
                else lock (_gate) _received.AddRange(alerts);
                context.Response.StatusCode = alerts is null ? 400 : 200;
            }
            catch (JsonException)
            {
                Interlocked.Increment(ref _rejected);
                context.Response.StatusCode = 400;
            }
            context.Response.Close();
        }
    }

    /// <summary>The alerts of one webhook body; null if it is not one.</summary>
    internal static IReadOnlyList<AlertNotification>? Parse(JsonDocument body, DateTimeOffset receivedAt)
    {
        using (body)
        {
            if (!body.RootElement.TryGetProperty("alerts", out var alerts) || alerts.ValueKind != JsonValueKind.Array) return null;
            var result = new List<AlertNotification>();
            foreach (var alert in alerts.EnumerateArray())
            {
                var labels = alert.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object
                    ? l.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "")
                    : [];
                if (!labels.TryGetValue("alertname", out var name)) continue;
                var startsAt = alert.TryGetProperty("startsAt", out var s) && s.TryGetDateTimeOffset(out var at) ? at : receivedAt;
                result.Add(new AlertNotification(name, alert.TryGetProperty("status", out var st) ? st.GetString() ?? "" : "", labels, startsAt, receivedAt));
            }
            return result;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
    }
}
