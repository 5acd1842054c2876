using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Tests.Simulation;

/// <summary>
/// The real admission path, no re-implementation: <see cref="LoadShedding"/> at the edge, then the
/// production <see cref="ConcurrencyGate"/> on the virtual clock; each admitted request runs on the
/// database with its statement timeout at the request's deadline.
/// </summary>
public sealed class GuardedSystem : ISimulatedSystem
{
    private readonly VirtualClock _clock;
    private readonly UslDatabase _database;

    public GuardedSystem(VirtualClock clock, UslDatabase database, GateSettings settings, int ceiling = 100)
    {
        _clock = clock;
        _database = database;
        Gate = new ConcurrencyGate(settings, ceiling, clock);
    }

    public ConcurrencyGate Gate { get; }

    public int Limit => Gate.Limit;

    public void Submit(SimulatedRequest request)
    {
        var settings = Gate.Settings;
        if (LoadShedding.ShouldShed(Gate, settings, request.Priority, out _))
        {
            ((IGatePressure)Gate).RecordRejection(request.Priority, RejectionReason.QueueDelay);
            request.Finish(_clock.Now, SimOutcome.Shed, RejectionReason.QueueDelay);
            return;
        }

        if (Gate.TryEnter(request.Priority, out var permit))
        {
            Run(request, permit);
            return;
        }

        Gate.Enqueue(new Waiter(this, request, Gate.TimestampIn(request.Deadline)));
    }

    private void Run(SimulatedRequest request, Permit permit)
    {
        request.Admitted = true;
        _database.Start(request.Work, request.Arrival + request.Deadline, finished =>
        {
            Gate.Exit(permit, finished ? LeaseOutcome.Completed : LeaseOutcome.Dropped);
            request.Finish(_clock.Now, finished ? SimOutcome.Completed : SimOutcome.TimedOut);
        });
    }

    private sealed class Waiter(GuardedSystem system, SimulatedRequest request, long deadline)
        : GateWaiter(request.Priority, deadline)
    {
        // Admission runs under the gate's lock: start the statement as the next event at the same instant.
        protected internal override void OnAdmitted(Permit permit) =>
            system._clock.At(system._clock.Now, () => system.Run(request, permit));

        protected internal override void OnRejected(RejectionReason reason, TimeSpan retryAfter) =>
            request.Finish(system._clock.Now, SimOutcome.Refused, reason);

        protected internal override void OnCancelled() =>
            request.Finish(system._clock.Now, SimOutcome.Refused, RejectionReason.Cancelled);
    }
}
