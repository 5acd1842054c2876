using System.Diagnostics;
using Bulwark.Lab.Orchestration;

namespace Bulwark.Lab.Cluster;

/// <summary>
/// A process that outlives the lab: <c>lab cluster up</c> returns with the shops running. Started in a session
/// of its own (<c>setsid</c>), output to a log file and no terminal, so neither the lab's exit nor a Ctrl-C in
/// the terminal reaches it; <c>down</c> finds it again by its pid in <c>cluster.json</c>. Not tracked by
/// <see cref="ProcessRegistry"/>, which kills every child when the lab exits.
/// </summary>
public static class DetachedProcess
{
    static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);
    const int Kill = 9;

    /// <summary>Starts <paramref name="program"/> detached; answers its pid (setsid execs in place, so it is the program's own).</summary>
    public static async Task<int> StartAsync(string program, IEnumerable<string> arguments, string workingDirectory, string logPath,
        IReadOnlyDictionary<string, string>? environment, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        // The shell backgrounds setsid and prints its pid: a background job of a non-interactive shell is no
        // process-group leader, so setsid calls setsid() itself rather than forking once more.
        var info = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("log=$1; shift; setsid \"$@\" >>\"$log\" 2>&1 </dev/null & echo $!");
        info.ArgumentList.Add("detach");
        info.ArgumentList.Add(logPath);
        info.ArgumentList.Add(program);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;

        using var shell = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = await shell.StandardOutput.ReadToEndAsync(ct);
        var errors = await shell.StandardError.ReadToEndAsync(ct);
        await shell.WaitForExitAsync(ct);
        return int.TryParse(output.Trim(), out var pid)
            ? pid
            : throw new InvalidOperationException($"Could not start {program} detached: {output}{errors}");
    }

    /// <summary>True while the process exists and is not a zombie (a detached child's parent may be an init that never reaps).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The state follows the command name in parentheses, which may itself hold spaces or parentheses.
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is not ("Z" or "X");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, then SIGKILL after a grace period; answers whether it was running.</summary>
    public static async Task<bool> StopAsync(int pid, CancellationToken ct)
    {
        if (!IsAlive(pid)) return false;
        Signals.Send(pid, Signals.Term);
        var giveUpAt = DateTime.UtcNow + Grace;
        while (IsAlive(pid) && DateTime.UtcNow < giveUpAt) await Task.Delay(100, ct);
        if (IsAlive(pid))
        {
            Signals.Send(pid, Kill);
            while (IsAlive(pid)) await Task.Delay(50, ct);
        }
        return true;
    }
}
