using System.Diagnostics;

namespace Bulwark.Shop.Tests.Operations;

/// <summary>
/// Runs Prometheus' promtool. It is a requirement of these tests, not an option: a missing promtool fails
/// them with the way to install it, so CI cannot pass without having checked the rules.
/// </summary>
public static class Promtool
{
    public sealed record Result(int ExitCode, string Output);

    public static async Task<Result> RunAsync(string? standardInput, params string[] arguments)
    {
        var start = new ProcessStartInfo(Tools.Locate("promtool"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryFiles.Root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, (await output) + (await errors));
    }
}
