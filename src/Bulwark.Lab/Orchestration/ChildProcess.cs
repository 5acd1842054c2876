using System.Diagnostics;

namespace Bulwark.Lab.Orchestration;

/// <summary>
/// A process the lab started (the shop, the payment sandbox, a build): output goes to a log file
/// and a short in-memory tail for error messages; stopping asks politely (SIGTERM) and then kills
/// the whole tree, so nothing it spawned survives the lab.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    const int TailLines = 40;

    readonly Process _process;
    readonly StreamWriter _log;
    readonly Queue<string> _tail = new();
    readonly Lock _gate = new();
    bool _stopped;
    bool _logClosed;

    ChildProcess(string name, Process process, StreamWriter log)
    {
        Name = name;
        _process = process;
        _log = log;
    }

    public string Name { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, string workingDirectory, string logPath,
        IReadOnlyDictionary<string, string>? environment = null, CpuSet? cpus = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        // taskset execs the program in place: the pid, the signals and the exit code stay the program's own.
        (fileName, var launched) = CpuAffinity.Under(cpus, fileName, arguments);
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,   // a child must never read the lab's terminal (or its Ctrl-C keystrokes)
            UseShellExecute = false,
        };
        foreach (var argument in launched) info.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;

        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        log.WriteLine($"# {fileName} {string.Join(' ', info.ArgumentList)}");
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process, log);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);

        if (!process.Start())
        {
            log.Dispose();
            throw new InvalidOperationException($"Could not start {name} ({fileName}).");
        }
        ProcessRegistry.Track(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The last lines the process wrote, for an error message that explains itself.</summary>
    public string Tail()
    {
        lock (_gate) return string.Join(Environment.NewLine, _tail);
    }

    public Task WaitForExitAsync(CancellationToken ct) => _process.WaitForExitAsync(ct);

    /// <summary>SIGTERM, then after <paramref name="grace"/> a kill of the whole process tree.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_stopped) return;
        _stopped = true;
        try
        {
            if (!_process.HasExited)
            {
                // Graceful first: the shop flushes its logs and closes its pool on SIGTERM.
                Signals.Send(_process.Id, Signals.Term);
                using var graceTimer = new CancellationTokenSource(grace);
                try
                {
                    await _process.WaitForExitAsync(graceTimer.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync(CancellationToken.None);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // The process was never fully started or is already reaped.
        }
        finally
        {
            ProcessRegistry.Forget(_process);
        }
    }

    /// <summary>SIGKILL at once, no grace: a crash, as the chaos run wants one (nothing flushed, nothing closed).</summary>
    public async Task KillAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        await _process.WaitForExitAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5));
        _process.Dispose();
        lock (_gate)
        {
            _logClosed = true;
            _log.Dispose();
        }
    }

    void Append(string? line)
    {
        if (line is null) return;
        lock (_gate)
        {
            if (_logClosed) return;
            _log.WriteLine(line);
            _tail.Enqueue(line);
            if (_tail.Count > TailLines) _tail.Dequeue();
        }
    }
}
