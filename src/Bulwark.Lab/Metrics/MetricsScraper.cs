using System.Collections.Concurrent;

namespace Bulwark.Lab.Metrics;

/// <summary>
/// Reads the shop's /metrics once a second for the length of a run, on its own HTTP client so the
/// load generator's connection cap never delays the observation of the overload it causes.
/// </summary>
public sealed class MetricsScraper(Uri target, TimeProvider time, Orchestration.FrontDoor? door = null) : IAsyncDisposable
{
    readonly HttpClient _http = CreateClient(target, door);
    readonly ConcurrentQueue<PoolSample> _samples = new();
    int _failures;

    /// <summary>Two connections at most; through the <paramref name="door"/> when the shop may move (a rolling restart).</summary>
    static HttpClient CreateClient(Uri target, Orchestration.FrontDoor? door)
    {
        var http = door is null
            ? new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 2, UseCookies = false }) { BaseAddress = target }
            : Shop.LabHttp.CreateLoadClient(target, 2, door: door);
        http.Timeout = TimeSpan.FromMilliseconds(900);
        return http;
    }

    public IReadOnlyList<PoolSample> Samples => [.. _samples.OrderBy(s => s.At)];

    /// <summary>Scrapes that failed (timeout, refused, unparseable): a shop too busy to be observed is itself a finding.</summary>
    public int Failures => Volatile.Read(ref _failures);

    public string? LastError { get; private set; }

    /// <summary>Scrapes every <paramref name="interval"/> until <paramref name="ct"/> fires; offsets are from <paramref name="runStart"/>.</summary>
    public async Task RunAsync(long runStart, TimeSpan interval, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                await ScrapeOnceAsync(runStart, ct);
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The run is over: stopping is the normal end of scraping.
        }
    }

    public async Task<PoolSample?> ScrapeOnceAsync(long runStart, CancellationToken ct)
    {
        try
        {
            var text = await _http.GetStringAsync("/metrics", ct);
            var sample = PoolSample.From(time.GetElapsedTime(runStart), PrometheusTextParser.Parse(text));
            _samples.Enqueue(sample);
            return sample;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or FormatException && !ct.IsCancellationRequested)
        {
            Interlocked.Increment(ref _failures);
            LastError = e.Message;
            return null;
        }
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
