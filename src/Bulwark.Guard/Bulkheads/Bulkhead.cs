using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Limits;
using Bulwark.Guard.Telemetry;

namespace Bulwark.Guard.Bulkheads;

/// <summary>
/// A bounded, priority- and deadline-aware limit on a scarce resource other than database connections
/// — CPU for password hashing, a payment gateway's concurrency — so that a storm of one kind of work is
/// queued or refused at once and cannot starve the rest (incident 3: sign-ins saturated the CPU while
/// only connections were budgeted). It is the gate's own admission core with a fixed limit: the same
/// strict priorities, the same refusal of waiters whose deadline (the request's, see
/// <see cref="RequestDeadline"/>) is out of reach, the same <see cref="AdmissionRejectedException"/>
/// that the edge turns into 503 + Retry-After.
/// </summary>
public sealed class Bulkhead
{
    private readonly ConcurrencyGate? _core;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _defaultDeadline;
    private readonly TimeSpan _deadlineReserve;
    private readonly DutyCycle? _dutyCycle;

    /// <param name="name">What it guards, for messages and metrics.</param>
    /// <param name="limit">Work of this kind that may run at once; null lets everything through (the naive shop).</param>
    /// <param name="clock">All time comes from here.</param>
    /// <param name="defaultDeadline">Budget of work that runs outside a request.</param>
    /// <param name="deadlineReserve">
    /// Time the request still needs after this work (a database write, the answer): work is admitted only
    /// if it can finish this long before the deadline. Without it, a sign-in admitted to hashing just in time
    /// finished its request after the deadline on a saturated core (incidents 3 and 4 in the lab).
    /// </param>
    /// <param name="dutyCycle">
    /// The average share of time this work may run, beside how much may run at once (ignored when
    /// <paramref name="limit"/> is null). A permit holder waits out the cycle's debt before it runs, so the
    /// permit's hold time — from which the queue's wait is estimated — includes the pacing, and waiters
    /// who could not start before their deadline are refused at once.
    /// </param>
    public Bulkhead(string name, int? limit, TimeProvider clock, TimeSpan defaultDeadline, TimeSpan deadlineReserve = default,
        DutyCycle? dutyCycle = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit ?? 1, 1, nameof(limit));
        ArgumentOutOfRangeException.ThrowIfLessThan(deadlineReserve, TimeSpan.Zero, nameof(deadlineReserve));
        Name = name;
        _clock = clock;
        _defaultDeadline = defaultDeadline;
        _deadlineReserve = deadlineReserve;
        _dutyCycle = dutyCycle;
        if (limit is { } fixedLimit)
        {
            var settings = new GateSettings
            {
                Algorithm = LimitAlgorithms.Fixed,
                InitialLimit = fixedLimit,
                Floor = 1,
                ReservedCriticalShare = 0,
            };
            _core = new ConcurrencyGate(settings, fixedLimit, clock);
        }
    }

    public string Name { get; }

    /// <summary>Work of this kind allowed at once; null when unbounded.</summary>
    public int? Limit => _core?.Limit;

    public int InFlight => _core?.InFlight ?? 0;

    public int Waiting => _core?.Waiting ?? 0;

    /// <summary>Admissions, refusals and queue delays of this bulkhead (null when unbounded).</summary>
    public GateCounters? Counters => _core?.Counters;

    /// <summary>
    /// Runs synchronous, CPU-bound <paramref name="work"/> once admitted, on a dedicated thread (unbounded: inline, as a
    /// naive shop does).
    /// </summary>
    public async ValueTask<T> RunAsync<T>(Priority priority, Func<T> work, CancellationToken cancellationToken)
    {
        if (_core is null)
        {
            return work();
        }

        var permit = await EnterAsync(priority, cancellationToken);
        var outcome = LeaseOutcome.Completed;
        try
        {
            if (_dutyCycle is not null)
            {
                await WaitForTurnAsync(priority, cancellationToken);
            }

            // On a thread of its own, not a thread-pool worker: where the pool has as few workers as cores, a hash
            // holding one for tens of milliseconds starves the continuations of everything else — sixteen sign-ups
            // at once on two cores all answered together, each after all sixteen hashes, instead of one after
            // another as their own hash ends (bench/signup-burst.sh). A thread per piece of work costs tens of
            // microseconds beside tens of milliseconds of hashing.
            return await Task.Factory.StartNew(() => _dutyCycle is null ? work() : _dutyCycle.Run(work),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        catch (Exception failure) when (failure is OperationCanceledException or AdmissionRejectedException)
        {
            // Gave up or refused before it ran: how long the permit was held says nothing about the work.
            outcome = LeaseOutcome.Abandoned;
            throw;
        }
        finally
        {
            _core.Exit(permit, outcome);
        }
    }

    /// <summary>Waits out the duty cycle's debt, or refuses at once when that wait would end past the deadline.</summary>
    private async ValueTask WaitForTurnAsync(Priority priority, CancellationToken cancellationToken)
    {
        var wait = _dutyCycle!.WaitBeforeStart();
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        var now = _clock.GetUtcNow();
        if (now + wait > DeadlineOf(now))
        {
            _core!.Counters.Rejected(priority, RejectionReason.DeadlineUnmeetable);
            throw new AdmissionRejectedException(priority, RejectionReason.DeadlineUnmeetable, wait);
        }

        await Task.Delay(wait, _clock, cancellationToken);
    }

    private DateTimeOffset DeadlineOf(DateTimeOffset now) => (RequestDeadline.Current ?? now + _defaultDeadline) - _deadlineReserve;

    private ValueTask<Permit> EnterAsync(Priority priority, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var deadline = DeadlineOf(now);
        if (deadline <= now)
        {
            // Even a free slot cannot help: what follows this work would still end past the deadline.
            _core!.Counters.Rejected(priority, RejectionReason.DeadlineUnmeetable);
            // A new request brings a whole deadline of its own, so it may try again at once.
            throw new AdmissionRejectedException(priority, RejectionReason.DeadlineUnmeetable, TimeSpan.Zero);
        }

        return _core!.EnterAsync(priority, _core.TimestampOf(deadline), cancellationToken, ContinuingWork.Active);
    }
}
