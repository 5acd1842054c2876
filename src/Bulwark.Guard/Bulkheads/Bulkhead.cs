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

    /// <param name="name">What it guards, for messages and metrics.</param>
    /// <param name="limit">Work of this kind that may run at once; null lets everything through (the naive shop).</param>
    /// <param name="clock">All time comes from here.</param>
    /// <param name="defaultDeadline">Budget of work that runs outside a request.</param>
    /// <param name="deadlineReserve">
    /// Time the request still needs after this work (a database write, the answer): work is admitted only
    /// if it can finish this long before the deadline. Without it, a sign-in admitted to hashing just in time
    /// finished its request after the deadline on a saturated core (incidents 3 and 4 in the lab).
    /// </param>
    public Bulkhead(string name, int? limit, TimeProvider clock, TimeSpan defaultDeadline, TimeSpan deadlineReserve = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit ?? 1, 1, nameof(limit));
        ArgumentOutOfRangeException.ThrowIfLessThan(deadlineReserve, TimeSpan.Zero, nameof(deadlineReserve));
        Name = name;
        _clock = clock;
        _defaultDeadline = defaultDeadline;
        _deadlineReserve = deadlineReserve;
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

    /// <summary>Runs synchronous, CPU-bound <paramref name="work"/> once admitted.</summary>
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
            return work();
        }
        catch (OperationCanceledException)
        {
            outcome = LeaseOutcome.Abandoned;
            throw;
        }
        finally
        {
            _core.Exit(permit, outcome);
        }
    }

    private ValueTask<Permit> EnterAsync(Priority priority, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var deadline = (RequestDeadline.Current ?? now + _defaultDeadline) - _deadlineReserve;
        if (deadline <= now)
        {
            // Even a free slot cannot help: what follows this work would still end past the deadline.
            _core!.Counters.Rejected(priority, RejectionReason.DeadlineUnmeetable);
            // A new request brings a whole deadline of its own, so it may try again at once.
            throw new AdmissionRejectedException(priority, RejectionReason.DeadlineUnmeetable, TimeSpan.Zero);
        }

        return _core!.EnterAsync(priority, _core.TimestampOf(deadline), cancellationToken);
    }
}
