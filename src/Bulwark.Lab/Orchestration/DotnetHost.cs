using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Orchestration;

/// <summary>Finds the <c>dotnet</c> executable and builds the projects the lab starts.</summary>
public static class DotnetHost
{
    public static string Executable =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } fromSdk && File.Exists(fromSdk) ? fromSdk
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";

    /// <summary>
    /// Builds <paramref name="project"/> in <paramref name="configuration"/> when <paramref name="output"/> is missing or older
    /// than any source it depends on, so a run always measures the code in the working tree.
    /// </summary>
    public static async Task EnsureBuiltAsync(string project, string output, string configuration, IEnumerable<string> sourceDirectories, string logDirectory, ILogger logger, CancellationToken ct)
    {
        // MSBuild leaves an up-to-date output untouched, so the output's own time can stay older than
        // a source that changed without changing it; a stamp written after each lab build says when we last checked.
        var stamp = output + ".lab-built";
        if (File.Exists(output) && !IsStale(LastBuilt(output, stamp), sourceDirectories)) return;

        logger.LogInformation("Building {Project} ({Configuration})…", Path.GetFileName(project), configuration);
        var log = Path.Combine(logDirectory, $"build-{Path.GetFileName(project)}.log");
        await using var build = ChildProcess.Start("dotnet build", Executable,
            ["build", "-c", configuration, project, "-nologo", "-v", "quiet"], project, log);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(10));
        await build.WaitForExitAsync(timeout.Token);
        if (build.ExitCode != 0)
            throw new InvalidOperationException($"Building {project} failed (exit {build.ExitCode}); see {log}:{Environment.NewLine}{build.Tail()}");
        await File.WriteAllTextAsync(stamp, DateTimeOffset.UtcNow.ToString("O"), ct);
    }

    static DateTime LastBuilt(string output, string stamp)
    {
        var built = File.GetLastWriteTimeUtc(output);
        return File.Exists(stamp) && File.GetLastWriteTimeUtc(stamp) > built ? File.GetLastWriteTimeUtc(stamp) : built;
    }

    static bool IsStale(DateTime built, IEnumerable<string> sourceDirectories)
    {
        return sourceDirectories.Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Where(f => !IsBuildOutput(f) && (f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal)
                || f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".sql", StringComparison.Ordinal)))
            .Any(f => File.GetLastWriteTimeUtc(f) > built);
    }

    static bool IsBuildOutput(string path) =>
        path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
        || path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal);
}
