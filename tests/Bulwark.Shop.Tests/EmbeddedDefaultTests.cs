using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.Http.Json;
using Bulwark.LocalPostgres;
using Bulwark.Shop.Catalog;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests;

/// <summary>
/// The run command on a fresh machine: the real shop process with no connection string creates its own
/// cluster under .bulwark/, survives being killed, and stops the cluster when it stops.
/// </summary>
public sealed class EmbeddedDefaultTests : IAsyncLifetime
{
    private readonly string _workDirectory = Directory.CreateTempSubdirectory("bulwark-embedded-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // Whatever a failed assertion left running must not outlive the test.
        var dataDirectory = Path.Combine(_workDirectory, ".bulwark", "postgres");
        if (File.Exists(Path.Combine(dataDirectory, "data", "postmaster.pid")) || File.Exists(Path.Combine(dataDirectory, "postmaster.pid")))
        {
            await using var leftover = await Bulwark.LocalPostgres.LocalPostgresCluster.StartAsync(
                new Bulwark.LocalPostgres.LocalPostgresOptions { Directory = dataDirectory });
            await leftover.StopAsync();
        }

        Directory.Delete(_workDirectory, recursive: true);
    }

    [Fact]
    public async Task Shop_starts_its_own_cluster_survives_sigkill_and_stops_the_cluster_on_shutdown()
    {
        var first = await ShopProcess.StartAsync(_workDirectory, LoopbackPort.Free());
        Assert.Equal(10_000, (await first.Client.GetFromJsonAsync<Paged<Product>>("/api/products?pageSize=1"))!.Total);
        Assert.True(Directory.Exists(Path.Combine(_workDirectory, ".bulwark", "postgres")));

        first.Kill();

        var second = await ShopProcess.StartAsync(_workDirectory, LoopbackPort.Free());
        Assert.Equal(10_000, (await second.Client.GetFromJsonAsync<Paged<Product>>("/api/products?pageSize=1"))!.Total);
        var postgresPort = await second.PostgresPortAsync();
        await second.StopAsync();

        Assert.False(await IsListeningAsync(postgresPort), "PostgreSQL still runs after the shop stopped.");
    }

    private static async Task<bool> IsListeningAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The shop as a real child process: `dotnet Bulwark.Shop.dll` in a working directory of its own.</summary>
    private sealed class ShopProcess
    {
        private readonly Process _process;
        private readonly string _workDirectory;

        private ShopProcess(Process process, string workDirectory, int port)
        {
            _process = process;
            _workDirectory = workDirectory;
            Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        }

        public HttpClient Client { get; }

        public static async Task<ShopProcess> StartAsync(string workDirectory, int port)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = workDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Bulwark.Shop.dll"));
            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add($"http://127.0.0.1:{port}");
            start.Environment.Remove("ConnectionStrings__Shop");
            var process = Process.Start(start)!;
            var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
            process.OutputDataReceived += (_, line) => { if (line.Data is not null) { log.Enqueue(line.Data); } };
            process.ErrorDataReceived += (_, line) => { if (line.Data is not null) { log.Enqueue(line.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var shop = new ShopProcess(process, workDirectory, port);
            try
            {
                await shop.WaitUntilReadyAsync();
            }
            catch (InvalidOperationException exited)
            {
                throw new InvalidOperationException($"{exited.Message} Its output ends:\n{string.Join('\n', log.TakeLast(30))}", exited);
            }

            return shop;
        }

        public void Kill()
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit();
        }

        public async Task StopAsync()
        {
            // SIGTERM: the graceful stop a service manager or Ctrl-C gives.
            Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).WaitForExit();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _process.WaitForExitAsync(timeout.Token);
        }

        public async Task<int> PostgresPortAsync()
        {
            var pidFile = Directory.GetFiles(Path.Combine(_workDirectory, ".bulwark", "postgres"), "postmaster.pid", SearchOption.AllDirectories).Single();
            var lines = await File.ReadAllLinesAsync(pidFile);
            return int.Parse(lines[3], System.Globalization.CultureInfo.InvariantCulture);
        }

        private async Task WaitUntilReadyAsync()
        {
            for (var attempt = 0; attempt < 1200; attempt++)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"The shop exited with code {_process.ExitCode} before it was ready.");
                }

                try
                {
                    using var response = await Client.GetAsync("/health/ready");
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(100);
            }

            throw new TimeoutException("The shop did not become ready within 120 s.");
        }
    }
}
