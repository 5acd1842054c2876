using System.Diagnostics;
using Bulwark.LocalPostgres;

namespace Bulwark.Shop.Tests.Operations;

/// <summary>
/// A real Prometheus (Debian's package, the one promtool comes with) on a free loopback port, scraping
/// given targets every second with given rule files, in a temporary directory removed on dispose.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private PrometheusServer(Process process, string directory, Uri url)
    {
        _process = process;
        _directory = directory;
        Url = url;
    }

    public Uri Url { get; }

    /// <param name="port">A free loopback port (<see cref="LoopbackPort.Free"/>), chosen by the caller when others must know it first.</param>
    public static PrometheusServer Start(IEnumerable<Uri> targets, int port, params string[] ruleFiles)
    {
        var directory = Directory.CreateTempSubdirectory("bulwark-prometheus-").FullName;
        var rules = string.Join("\n", ruleFiles.Select(file => $"  - {file}"));
        var hosts = string.Join(", ", targets.Select(target => $"'{target.Authority}'"));
        File.WriteAllText(Path.Combine(directory, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
            {rules}
            scrape_configs:
              - job_name: bulwark-shop
                static_configs:
                  - targets: [{hosts}]
            """);
        var start = new ProcessStartInfo(Tools.Locate("prometheus"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        start.ArgumentList.Add($"--config.file={Path.Combine(directory, "prometheus.yml")}");
        start.ArgumentList.Add($"--storage.tsdb.path={Path.Combine(directory, "data")}");
        start.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");
        var process = Process.Start(start)!;
        // Drained so a chatty Prometheus never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}/"));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
