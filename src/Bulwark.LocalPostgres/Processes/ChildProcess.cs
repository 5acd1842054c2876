using System.Diagnostics;

namespace Bulwark.LocalPostgres.Processes;

/// <summary>What a finished child process said.</summary>
internal sealed record ProcessOutcome(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Both streams on one line, for exception messages.</summary>
    public string Output => string.Join(" ", $"{StandardError} {StandardOutput}".Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

/// <summary>
/// Runs a program with an argument list (no shell, so no quoting bugs) and a hard time limit:
/// a wedged initdb or pg_ctl must fail the start, never hang the shop or a test run.
/// </summary>
internal static class ChildProcess
{
    public static async Task<ProcessOutcome> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var startInfo = CreateStartInfo(fileName, arguments, workingDirectory);
        var command = Describe(startInfo);
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {command}.");

        // initdb and pg_ctl never need input; a closed stdin turns any unexpected prompt into an error instead of a hang.
        process.StandardInput.Close();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var standardOutput = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var standardError = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            await Task.WhenAll(standardOutput, standardError).WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{command} did not finish within {timeout.TotalSeconds:0} s and was killed.");
        }

        return new ProcessOutcome(command, process.ExitCode, await standardOutput.ConfigureAwait(false), await standardError.ConfigureAwait(false));
    }

    /// <summary>
    /// Blocking variant for <see cref="AppDomain.ProcessExit"/>, where nothing can be awaited.
    /// Returns false when the program failed or ran out of time.
    /// </summary>
    public static bool RunBlocking(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        var startInfo = CreateStartInfo(fileName, arguments, workingDirectory);
        startInfo.RedirectStandardOutput = false;
        startInfo.RedirectStandardError = false;
        using var process = Process.Start(startInfo);
        if (process is null)
        {
            return false;
        }

        process.StandardInput.Close();
        if (process.WaitForExit(timeout))
        {
            return process.ExitCode == 0;
        }

        Kill(process);
        return false;
    }

    private static ProcessStartInfo CreateStartInfo(string fileName, IEnumerable<string> arguments, string workingDirectory)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // The server log is scanned for English messages ("could not bind ..."), and PG* variables
        // from the caller's shell (PGDATA, PGPORT, ...) must not redirect these tools to another cluster.
        startInfo.Environment["LC_ALL"] = "C";
        startInfo.Environment["LC_MESSAGES"] = "C";
        foreach (var name in startInfo.Environment.Keys.Where(key => key.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            startInfo.Environment.Remove(name);
        }

        return startInfo;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the timeout and the kill: nothing left to stop.
        }
    }

    private static string Describe(ProcessStartInfo startInfo) =>
        string.Join(' ', startInfo.ArgumentList.Prepend(startInfo.FileName).Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
}
