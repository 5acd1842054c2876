using System.Net;
using Bulwark.LocalPostgres;
using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Orchestration;

/// <summary>How to start one shop for one mode of a scenario.</summary>
public sealed record ShopLaunch(
    string Mode,
    string ConnectionString,
    bool Guarded,
    string AdminEmail,
    string AdminPassword,
    Uri? PaymentsBaseUrl,
    IReadOnlyDictionary<string, string> ExtraSettings)
{
    /// <summary>The CPUs the shop runs on (null: wherever the kernel puts it).</summary>
    public CpuSet? Cpus { get; init; }

    /// <summary>Where to listen (null: a free loopback port). A shop started again after a crash keeps its address, as behind a load balancer.</summary>
    public Uri? Address { get; init; }
}

/// <summary>
/// The shop as a child process on a free loopback port: built if needed, started with the
/// scenario's configuration on the command line, and considered up only once <c>/health/ready</c>
/// answers 200 (first start migrates and seeds the catalog, which takes a while).
/// </summary>
public sealed class ShopHost : IAsyncDisposable
{
    static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(3);

    readonly ChildProcess _process;

    ShopHost(ChildProcess process, Uri baseAddress, string logPath)
    {
        _process = process;
        BaseAddress = baseAddress;
        LogPath = logPath;
    }

    public Uri BaseAddress { get; }
    public string LogPath { get; }
    public bool HasExited => _process.HasExited;
    public int ProcessId => _process.Id;

    /// <summary>The exit code once exited (143 is SIGTERM: something outside the lab stopped it).</summary>
    public int? ExitCode => _process.ExitCode;
    public string Tail() => _process.Tail();

    public static async Task<ShopHost> StartAsync(RepoLayout repo, ShopLaunch launch, string logDirectory, ILogger logger, CancellationToken ct)
    {
        await DotnetHost.EnsureBuiltAsync(repo.ShopProject, repo.ShopDll, repo.Configuration, repo.ShopSourceDirectories, logDirectory, logger, ct);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(repo, launch, logDirectory, logger, ct);
            }
            // The free port was taken by someone else between the lab's choice and the shop's bind: choose again.
            catch (ShopStartException e) when (attempt < 3 && e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                logger.LogWarning("The shop's port was taken before it could bind; starting it on another one");
            }
        }
    }

    static async Task<ShopHost> StartOnceAsync(RepoLayout repo, ShopLaunch launch, string logDirectory, ILogger logger, CancellationToken ct)
    {
        var baseAddress = launch.Address ?? new Uri($"http://127.0.0.1:{LoopbackPort.Free()}");
        List<string> arguments =
        [
            repo.ShopDll,
            "--urls", baseAddress.ToString().TrimEnd('/'),
            $"--ConnectionStrings:Shop={launch.ConnectionString}",
            $"--Guard:Mode={(launch.Guarded ? "on" : "off")}",
            $"--Admin:Email={launch.AdminEmail}",
            $"--Admin:Password={launch.AdminPassword}",
            // The lab's clients give up on a refusal rather than queue: a general waiting room would measure them,
            // not the gate (WaitingRoomOptions.GeneralRoom). Sale rooms stay on; `lab sale`'s buyers queue.
            "--WaitingRoom:GeneralRoom=false",
        ];
        if (launch.PaymentsBaseUrl is not null) arguments.Add($"--Payments:BaseUrl={launch.PaymentsBaseUrl.ToString().TrimEnd('/')}");
        arguments.AddRange(launch.ExtraSettings.Select(s => $"--{s.Key}={s.Value}"));

        var logPath = Path.Combine(logDirectory, $"shop-{launch.Mode}.log");
        logger.LogInformation("Starting the shop ({Mode}) on {Address}; log {Log}", launch.Mode, baseAddress, logPath);
        // The dll's folder as working directory: that is the content root where its appsettings.json lives.
        var process = ChildProcess.Start($"shop ({launch.Mode})", DotnetHost.Executable, arguments, Path.GetDirectoryName(repo.ShopDll)!, logPath,
            ShopEnvironment.Variables, launch.Cpus);
        var host = new ShopHost(process, baseAddress, logPath);
        try
        {
            await WaitUntilReadyAsync(host, baseAddress, ct);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    static async Task WaitUntilReadyAsync(ShopHost host, Uri baseAddress, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(2) };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ReadyTimeout);
        var lastAnswer = "no answer yet";
        while (true)
        {
            if (host.HasExited)
                throw new ShopStartException($"The shop exited with code {host._process.ExitCode} before it was ready; see {host.LogPath}:{Environment.NewLine}{host.Tail()}");
            try
            {
                using var response = await http.GetAsync("/health/ready", timeout.Token);
                if (response.StatusCode == HttpStatusCode.OK) return;
                lastAnswer = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(timeout.Token)}";
            }
            catch (HttpRequestException e)
            {
                lastAnswer = e.Message;
            }
            catch (TaskCanceledException) when (!timeout.IsCancellationRequested)
            {
                lastAnswer = "readiness check timed out";
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new ShopStartException($"The shop was not ready within {ReadyTimeout.TotalSeconds:0} s (last answer: {lastAnswer}); see {host.LogPath}:{Environment.NewLine}{host.Tail()}");
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new ShopStartException($"The shop was not ready within {ReadyTimeout.TotalSeconds:0} s (last answer: {lastAnswer}); see {host.LogPath}:{Environment.NewLine}{host.Tail()}");
            }
        }
    }

    /// <summary>SIGKILL: the shop dies mid-request, as in a crash or an OOM kill.</summary>
    public Task KillAsync() => _process.KillAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

public sealed class ShopStartException(string message) : Exception(message);
