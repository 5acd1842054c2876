using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Bulwark.Shop.Tests.Operations;

namespace Bulwark.Shop.Tests;

/// <summary>
/// The README is the front door: its run command, run as written from the repository root (so the
/// launch profile applies, as it does for a new user), must serve the URL its "Try it" line names.
/// A launch profile that listens elsewhere, or a README that promises another port, fails here.
/// </summary>
public sealed partial class ReadmeRunCommandTests : IAsyncLifetime
{
    private readonly string _clusterDirectory = Path.Combine(Directory.CreateTempSubdirectory("bulwark-readme-").FullName, "postgres");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // A killed `dotnet run` leaves the shop's private cluster running; stop it before removing it.
        if (Directory.EnumerateFiles(Path.GetDirectoryName(_clusterDirectory)!, "postmaster.pid", SearchOption.AllDirectories).Any())
        {
            await using var leftover = await Bulwark.LocalPostgres.LocalPostgresCluster.StartAsync(
                new Bulwark.LocalPostgres.LocalPostgresOptions { Directory = _clusterDirectory });
            await leftover.StopAsync();
        }

        Directory.Delete(Path.GetDirectoryName(_clusterDirectory)!, recursive: true);
    }

    [Fact]
    public async Task The_readme_run_command_serves_the_readme_try_it_url()
    {
        var readme = RepositoryFiles.Read("README.md");
        var runCommand = RunCommand(readme);
        var tryIt = new Uri(TryItUrl().Match(readme) is { Success: true } m ? m.Groups["url"].Value : throw new InvalidOperationException("README has no \"Try it: `curl '…'`\" line."));
        Assert.StartsWith("dotnet run ", runCommand, StringComparison.Ordinal);
        Assert.True(IsFree(tryIt.Port), $"Port {tryIt.Port} (the README's URL) is taken by another process; stop it and run the test again.");

        var start = new ProcessStartInfo("bash", ["-c", $"exec {runCommand}"])
        {
            WorkingDirectory = RepositoryFiles.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Only where the private cluster lives differs from a user's run: the test must not leave one in the clone.
        start.Environment["Embedded__PostgresDirectory"] = _clusterDirectory;
        start.Environment.Remove("ConnectionStrings__Shop");
        start.Environment.Remove("ASPNETCORE_URLS");
        using var process = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) { output.Enqueue(line.Data); } };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) { output.Enqueue(line.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var deadline = Stopwatch.StartNew();
            HttpResponseMessage? answer = null;
            while (answer is null)
            {
                Assert.False(process.HasExited, $"`{runCommand}` exited with {(process.HasExited ? process.ExitCode : 0)}:\n{string.Join('\n', output.TakeLast(30))}");
                // The in-process payment sandbox says where it listens first, then the shop: once both have,
                // one of them must be the README's address.
                var listening = output.Where(line => line.Contains("Now listening on:", StringComparison.Ordinal)).ToList();
                Assert.True(listening.Count < 2 || listening.Any(line => line.Contains(tryIt.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)),
                    $"`{runCommand}` listens elsewhere than the README says ({tryIt}): {string.Join(" | ", listening)}");
                Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(4), $"Nothing answered {tryIt} within 4 minutes of `{runCommand}`:\n{string.Join('\n', output.TakeLast(30))}");
                try
                {
                    answer = await client.GetAsync(tryIt);
                    if (answer.StatusCode == HttpStatusCode.ServiceUnavailable && answer.Headers.RetryAfter is not null)
                    {
                        // Listening, still migrating and seeding: a user would come back as it says.
                        answer.Dispose();
                        answer = null;
                        await Task.Delay(250);
                    }
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(250);
                }
            }

            using (answer)
            {
                var body = await answer.Content.ReadAsStringAsync();
                Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{tryIt} answered {(int)answer.StatusCode}: {body}");
                Assert.Contains("\"items\"", body, StringComparison.Ordinal);
            }

            Assert.Contains(output, line => line.Contains($"Now listening on: {tryIt.GetLeftPart(UriPartial.Authority)}", StringComparison.Ordinal));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>The first line of the first code block under "## Run".</summary>
    private static string RunCommand(string readme)
    {
        var section = readme[readme.IndexOf("\n## Run\n", StringComparison.Ordinal)..];
        var block = section[(section.IndexOf("```", StringComparison.Ordinal) + 3)..];
        return block.Split('\n').Skip(1).First().Trim();
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"Try it: `curl '(?<url>http://[^']+)'`")]
    private static partial Regex TryItUrl();
}
