using System.Net.Http.Json;
using Bulwark.LocalPostgres;
using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Orchestration;

/// <summary>Faults the payment sandbox injects into every charge until changed.</summary>
public sealed record GatewayFaults(int LatencyMs, double ErrorRate = 0, double TimeoutRate = 0);

/// <summary>
/// The payment sandbox as its own process, for scenarios that slow the gateway down: the shop is
/// pointed at it with <c>--Payments:BaseUrl</c> and the lab drives its fault API.
/// </summary>
public sealed class SandboxHost : IAsyncDisposable
{
    readonly ChildProcess _process;
    readonly HttpClient _http;

    SandboxHost(ChildProcess process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
    }

    public Uri BaseAddress { get; }
    public int ProcessId => _process.Id;

    public static async Task<SandboxHost> StartAsync(RepoLayout repo, string logDirectory, CpuSet? cpus, ILogger logger, CancellationToken ct)
    {
        await DotnetHost.EnsureBuiltAsync(repo.SandboxProject, repo.SandboxDll, repo.Configuration, [repo.SandboxProject], logDirectory, logger, ct);
        var baseAddress = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}");
        var logPath = Path.Combine(logDirectory, $"sandbox-{baseAddress.Port}.log");
        logger.LogInformation("Starting the payment sandbox on {Address}", baseAddress);
        var process = ChildProcess.Start("payment sandbox", DotnetHost.Executable,
            [repo.SandboxDll, "--urls", baseAddress.ToString().TrimEnd('/')], Path.GetDirectoryName(repo.SandboxDll)!, logPath, cpus: cpus);
        var host = new SandboxHost(process, baseAddress);
        try
        {
            await host.WaitUntilUpAsync(ct);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Connects the lab to a sandbox someone else runs (<c>--sandbox</c>), without owning its process.</summary>
    public static HttpClient ClientFor(Uri baseAddress) => new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };

    public Task<string> SetFaultsAsync(GatewayFaults faults, CancellationToken ct) => SetFaultsAsync(_http, faults, ct);

    public static async Task<string> SetFaultsAsync(HttpClient sandbox, GatewayFaults faults, CancellationToken ct)
    {
        using var response = await sandbox.PostAsJsonAsync("/v1/faults",
            new { latencyMs = faults.LatencyMs, errorRate = faults.ErrorRate, timeoutRate = faults.TimeoutRate }, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"The sandbox refused the faults ({(int)response.StatusCode}): {body}");
        return body;
    }

    async Task WaitUntilUpAsync(CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The payment sandbox exited with code {_process.ExitCode}:{Environment.NewLine}{_process.Tail()}");
            try
            {
                using var response = await _http.GetAsync("/v1/faults", ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // Slow first answer: try again.
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }
        throw new InvalidOperationException($"The payment sandbox did not answer within 60 s:{Environment.NewLine}{_process.Tail()}");
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync();
    }
}
