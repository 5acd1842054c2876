using System.Diagnostics.Metrics;
using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Telemetry;
using Microsoft.Extensions.Logging;

namespace Bulwark.Guard.Budget;

/// <summary>
/// Divides one connection budget among the instances that are alive now, instead of a
/// <c>Guard:Instances</c> someone must keep right by hand (incident 4 was such a number set wrong). Every
/// heartbeat (through the gate, at critical priority) takes this instance's share from the live count
/// and the others' claims: a smaller share is applied before it is recorded, a larger one after, so the
/// recorded claims bound what every instance holds and never add up past the budget. An instance that
/// stops cleanly leaves at once; one that dies is forgotten after the expiry, and its share returns to
/// the others at their next heartbeat.
/// </summary>
public sealed partial class SharedConnectionBudget
{
    private readonly InstanceRegistry _registry;
    private readonly IDatabaseGate _gate;
    private readonly IGateControl _control;
    private readonly Func<int?> _budget;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly TimeSpan _heartbeat;
    private int _claim;
    private int _instances;
    private volatile bool _tableReady;

    /// <param name="budget">The connections all instances share, once known (null before the server answered).</param>
    public SharedConnectionBudget(InstanceRegistry registry, IDatabaseGate gate, IGateControl control, Func<int?> budget,
        TimeSpan heartbeat, TimeProvider clock, ILogger logger, IMeterFactory? meters = null)
    {
        _registry = registry;
        _gate = gate;
        _control = control;
        _budget = budget;
        _heartbeat = heartbeat;
        _clock = clock;
        _logger = logger;
        var meter = meters?.Create(GateMetrics.MeterName) ?? new Meter(GateMetrics.MeterName);
        meter.CreateObservableGauge("bulwark.db.instances", () => Volatile.Read(ref _instances),
            description: "Live instances sharing the connection budget, as this instance last saw them.");
    }

    /// <summary>A heartbeat may take longer than the interval (the first opens a connection and may create the table).</summary>
    private TimeSpan BeatDeadline => _heartbeat > TimeSpan.FromSeconds(2) ? _heartbeat : TimeSpan.FromSeconds(2);

    /// <summary>Connections this instance has claimed (its gate's ceiling follows it).</summary>
    public int Claim => Volatile.Read(ref _claim);

    /// <summary>Live instances at the last heartbeat.</summary>
    public int Instances => Volatile.Read(ref _instances);

    /// <summary>One heartbeat; also the first claim at start, before any traffic.</summary>
    public async Task BeatAsync(CancellationToken cancellationToken)
    {
        if (_budget() is not { } budget)
        {
            return;
        }

        using var deadline = RequestDeadline.Set(_clock.GetUtcNow() + BeatDeadline);
        var (instances, claim) = await _gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            if (!_tableReady)
            {
                await InstanceRegistry.EnsureTableAsync(connection, token);
                _tableReady = true;
            }

            return await _registry.HeartbeatAsync(connection, live =>
            {
                var target = BudgetShare.Target(budget, live, _registry.Self);
                if (target < Claim)
                {
                    // Shrink first: by the time the smaller claim is visible, this instance holds no more.
                    Apply(target, live.Count, budget);
                }

                return target;
            }, token);
        });

        Volatile.Write(ref _instances, instances);
        if (claim > Claim)
        {
            // Grow only once the larger claim is recorded, so no other instance can count on those connections.
            Apply(claim, instances, budget);
        }
    }

    /// <summary>Heartbeats until <paramref name="stopping"/>; a missed one is retried at the next (the share stays as it was).</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_heartbeat, _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    await BeatAsync(stopping);
                }
                catch (Exception failure) when (failure is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    HeartbeatFailed(_logger, failure.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>A clean stop gives the share back at once rather than after the expiry.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        using var deadline = RequestDeadline.Set(_clock.GetUtcNow() + BeatDeadline);
        await _gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            await _registry.LeaveAsync(connection, token);
            return true;
        });
    }

    private void Apply(int claim, int instances, int budget)
    {
        ShareChanged(_logger, Claim, claim, instances, budget);
        Volatile.Write(ref _claim, claim);
        _control.SetShare(claim);
    }

    [LoggerMessage(EventId = 4140, Level = LogLevel.Information,
        Message = "Connection share {From} -> {To}: {Instances} live instance(s) share a budget of {Budget}.")]
    private static partial void ShareChanged(ILogger logger, int from, int to, int instances, int budget);

    [LoggerMessage(EventId = 4141, Level = LogLevel.Warning,
        Message = "Connection budget heartbeat failed; keeping the current share. {Failure}")]
    private static partial void HeartbeatFailed(ILogger logger, string failure);
}
