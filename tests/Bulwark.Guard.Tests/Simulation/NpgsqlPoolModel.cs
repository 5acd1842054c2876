namespace Bulwark.Guard.Tests.Simulation;

/// <summary>
/// The unguarded baseline, modelled on Npgsql's defaults as the incident platforms ran them: a pool of
/// 100 connections, callers served first come first served, a 15 s wait for a connection, a 30 s
/// command timeout, no priorities and no notion of the request's deadline.
/// </summary>
public sealed class NpgsqlPoolModel(VirtualClock clock, UslDatabase database, int maxPoolSize = 100) : ISimulatedSystem
{
    private static readonly TimeSpan ConnectionTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private readonly Queue<SimulatedRequest> _waiting = new();
    private int _busy;

    public int Limit => maxPoolSize;

    public void Submit(SimulatedRequest request)
    {
        if (_busy < maxPoolSize)
        {
            Run(request);
            return;
        }

        _waiting.Enqueue(request);
    }

    private void Run(SimulatedRequest request)
    {
        _busy++;
        request.Admitted = true;
        database.Start(request.Work, clock.Now + CommandTimeout, finished =>
        {
            _busy--;
            request.Finish(clock.Now, finished ? SimOutcome.Completed : SimOutcome.TimedOut);
            ServeNext();
        });
    }

    private void ServeNext()
    {
        while (_busy < maxPoolSize && _waiting.TryDequeue(out var next))
        {
            if (clock.Now - next.Arrival >= ConnectionTimeout)
            {
                // Npgsql would have thrown at exactly 15 s; the outcome is the same, only noticed now.
                next.Finish(next.Arrival + ConnectionTimeout, SimOutcome.TimedOut);
                continue;
            }

            Run(next);
        }
    }
}
