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
    /// Builds <paramref name="project"/> in Release when <paramref name="output"/> is missing or older
    /// than any source it depends on, so a run always measures the code in the working tree.
    /// </summary>
    public static async Task EnsureBuiltAsync(string project, string output, IEnumerable<string> sourceDirectories, string logDirectory, ILogger logger, CancellationToken ct)
    {
        if (File.Exists(output) && !IsStale(output, sourceDirectories)) return;

        logger.LogInformation("Building {Project} (Release)…", Path.GetFileName(project));
        var log = Path.Combine(logDirectory, $"build-{Path.GetFileName(project)}.log");
        await using var build = ChildProcess.Start("dotnet build", Executable,
            ["build", "-c", RepoLayout.Configuration, project, "-nologo", "-v", "quiet"], project, log);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(10));
        await build.WaitForExitAsync(timeout.Token);
        if (build.ExitCode != 0)
            throw new InvalidOperationException($"Building {project} failed (exit {build.ExitCode}); see {log}:{Environment.NewLine}{build.Tail()}");
    }

    static bool IsStale(string output, IEnumerable<string> sourceDirectories)
    {
        var built = File.GetLastWriteTimeUtc(output);
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
