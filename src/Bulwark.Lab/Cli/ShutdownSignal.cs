using System.Runtime.InteropServices;
using Bulwark.Lab.Orchestration;

namespace Bulwark.Lab.Cli;

/// <summary>
/// Ctrl-C and SIGTERM: the first asks the run to stop (the token is cancelled and every started
/// process is stopped by the code that started it, in order); a second one means "now": whatever
/// the lab started is killed and the lab exits.
/// </summary>
public sealed class ShutdownSignal : IDisposable
{
    readonly CancellationTokenSource _cts = new();
    readonly List<PosixSignalRegistration> _registrations = [];
    int _signals;

    public ShutdownSignal(Action<string> say)
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                if (Interlocked.Increment(ref _signals) == 1)
                {
                    // Keep the process alive so the run can stop its children and say what it had measured.
                    context.Cancel = true;
                    say($"{context.Signal}: stopping the run and cleaning up (send again to kill everything now)…");
                    _cts.Cancel();
                }
                else
                {
                    say($"{context.Signal} again: killing every process the lab started.");
                    ProcessRegistry.KillAll();
                    context.Cancel = false;
                }
            }));
        }
    }

    public CancellationToken Token => _cts.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _cts.Dispose();
    }
}
