using System.Diagnostics;

namespace Bulwark.Lab.Cluster;

/// <summary>
/// The Debian programs the cluster runs besides PostgreSQL, found on PATH or where Debian puts them; missing
/// ones fail the run with the package to install, never skip it.
/// </summary>
public static class ClusterTools
{
    public static string PgBouncer => Find("pgbouncer", "pgbouncer");

    public static string Nginx => Find("nginx", "nginx");

    /// <summary>As root, PostgreSQL and PgBouncer run as this user (both refuse root); nginx's workers as <c>nobody</c>.</summary>
    public const string ServiceUser = "postgres";

    public static bool IsRoot => Environment.UserName == "root";

    static string Find(string program, string package)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/bin", "/sbin"]);
        return directories.Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists)
            ?? throw new ClusterStartException($"{program} is not installed; `lab cluster` needs it: sudo apt-get install {package}");
    }

    /// <summary>Runs a short tool to completion; answers its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> arguments, CancellationToken ct)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new ClusterStartException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await output + await errors).Trim());
    }

    /// <summary>Gives <paramref name="directory"/> to the service user when running as root.</summary>
    public static async Task HandOverAsync(string directory, CancellationToken ct)
    {
        if (!IsRoot) return;
        var (code, output) = await RunAsync("chown", ["-R", $"{ServiceUser}:", directory], ct);
        if (code != 0) throw new ClusterStartException($"Could not give {directory} to {ServiceUser}: {output}");
    }
}

/// <summary>A part of the cluster did not come up; the message says which and why (with its log's tail).</summary>
public sealed class ClusterStartException(string message) : Exception(message);
