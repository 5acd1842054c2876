using Bulwark.Guard.Gate;
using Bulwark.Guard.Limits;
using Bulwark.Guard.Tests.Simulation;
using Bulwark.Guard.Tests.Support;

namespace Bulwark.Guard.Tests.Gate;

public sealed class ConcurrencyGateTests
{
    private readonly VirtualClock _clock = new();

    private ConcurrencyGate Gate(int limit, double reservedShare = 0, QueueOrder order = QueueOrder.Fifo, int maxWaiters = 1000) =>
        new(new GateSettings
        {
            Algorithm = LimitAlgorithms.Fixed,
            InitialLimit = limit,
            Floor = 1,
            ReservedCriticalShare = reservedShare,
            QueueOrder = order,
            MaxWaiters = maxWaiters,
        }, serverCeiling: 100, _clock);

    private RecordingWaiter Waiter(Priority priority, double deadlineSeconds = 2, string name = "", bool continuing = false) =>
        new(priority, _clock.GetTimestamp() + (long)(deadlineSeconds * _clock.TimestampFrequency), name) { Continuing = continuing };

    /// <summary>Queues <paramref name="waiters"/> behind <paramref name="running"/> and frees one slot at a time: their names in admission order.</summary>
    private static List<string> AdmissionOrder(ConcurrencyGate gate, Permit running, params RecordingWaiter[] waiters)
    {
        var order = new List<string>();
        var recording = waiters.Select(w => new RecordingWaiter(w.Priority, w.Deadline, w.Name) { OnAdmission = a => order.Add(a.Name), Continuing = w.Continuing }).ToList();
        recording.ForEach(gate.Enqueue);
        var permit = running;
        for (var i = 0; i < recording.Count; i++)
        {
            gate.Exit(permit, LeaseOutcome.Completed);
            permit = recording.Single(w => w.Name == order[^1]).Permit!.Value;
        }

        return order;
    }

    /// <summary>Teaches the gate that work holds a slot about <paramref name="hold"/>, as real completions would.</summary>
    private void Teach(ConcurrencyGate gate, TimeSpan hold)
    {
        Assert.True(gate.TryEnter(Priority.Critical, out var permit));
        _clock.RunUntil(_clock.Now + hold);
        gate.Exit(permit, LeaseOutcome.Completed);
    }

    [Fact]
    public void Admits_at_once_up_to_the_limit_and_not_beyond()
    {
        var gate = Gate(limit: 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(gate.TryEnter(Priority.Normal, out _));
        }

        Assert.False(gate.TryEnter(Priority.Critical, out _));
        Assert.Equal(3, gate.InFlight);
    }

    [Fact]
    public void A_freed_slot_goes_to_the_highest_priority_waiter_then_first_come_within_a_priority()
    {
        var gate = Gate(limit: 1);
        Assert.True(gate.TryEnter(Priority.Normal, out var running));

        var order = AdmissionOrder(gate, running,
            Waiter(Priority.Sheddable, name: "browse"),
            Waiter(Priority.Normal, name: "cart-1"),
            Waiter(Priority.Critical, name: "checkout"),
            Waiter(Priority.Normal, name: "cart-2"));

        Assert.Equal(["checkout", "cart-1", "cart-2", "browse"], order);
    }

    [Theory]
    [InlineData(QueueOrder.Fifo)]
    [InlineData(QueueOrder.Lifo)]
    public void Continuing_work_goes_ahead_of_new_arrivals_of_its_priority_in_its_own_arrival_order(QueueOrder queueOrder)
    {
        var gate = Gate(limit: 1, order: queueOrder);
        Assert.True(gate.TryEnter(Priority.Critical, out var running));

        var order = AdmissionOrder(gate, running,
            Waiter(Priority.Critical, name: "new-1"),
            Waiter(Priority.Critical, name: "settle-1", continuing: true),
            Waiter(Priority.Critical, name: "new-2"),
            Waiter(Priority.Critical, name: "settle-2", continuing: true));

        Assert.Equal(queueOrder == QueueOrder.Fifo ? ["settle-1", "settle-2", "new-1", "new-2"] : ["settle-1", "settle-2", "new-2", "new-1"], order);
    }

    [Fact]
    public void A_continuing_step_is_judged_by_the_continuing_work_ahead_of_it_not_by_the_new_line()
    {
        var gate = Gate(limit: 1);
        Teach(gate, TimeSpan.FromMilliseconds(100));
        Assert.True(gate.TryEnter(Priority.Critical, out _));
        for (var i = 0; i < 10; i++)
        {
            gate.Enqueue(Waiter(Priority.Critical, deadlineSeconds: 2));
        }

        // A second of new checkouts is ahead: a new one with 300 ms left is refused, the settle of a charged order is not.
        var newcomer = Waiter(Priority.Critical, deadlineSeconds: 0.3);
        var settle = Waiter(Priority.Critical, deadlineSeconds: 0.3, name: "settle", continuing: true);
        gate.Enqueue(newcomer);
        gate.Enqueue(settle);

        Assert.Equal(RejectionReason.DeadlineUnmeetable, newcomer.Rejection);
        Assert.Null(settle.Rejection);
        Assert.Equal(11, gate.Waiting);
    }

    [Fact]
    public void A_full_queue_never_evicts_continuing_work()
    {
        var gate = Gate(limit: 1, maxWaiters: 2);
        Assert.True(gate.TryEnter(Priority.Normal, out _));
        var started = Waiter(Priority.Normal, name: "cart-settle", continuing: true);
        var fresh = Waiter(Priority.Normal, name: "cart-new");
        gate.Enqueue(started);
        gate.Enqueue(fresh);

        var checkout = Waiter(Priority.Critical, name: "checkout");
        gate.Enqueue(checkout);

        Assert.Equal(RejectionReason.QueueFull, fresh.Rejection);
        Assert.Null(started.Rejection);
        Assert.Null(checkout.Rejection);
    }

    [Fact]
    public void The_reserved_share_of_the_limit_stays_free_for_critical_work()
    {
        var gate = Gate(limit: 5, reservedShare: 0.2);
        for (var i = 0; i < 4; i++)
        {
            Assert.True(gate.TryEnter(Priority.Sheddable, out _));
        }

        Assert.False(gate.TryEnter(Priority.Normal, out _));
        Assert.True(gate.TryEnter(Priority.Critical, out _));
    }

    [Fact]
    public void A_waiter_whose_deadline_cannot_be_met_is_refused_at_once_with_a_retry_estimate()
    {
        var gate = Gate(limit: 1);
        Teach(gate, TimeSpan.FromMilliseconds(100));
        Assert.True(gate.TryEnter(Priority.Normal, out _));
        for (var i = 0; i < 5; i++)
        {
            gate.Enqueue(Waiter(Priority.Normal, deadlineSeconds: 2));
        }

        // Five ahead at ~100 ms each: about half a second of queue; 300 ms of deadline cannot make it.
        var hopeless = Waiter(Priority.Normal, deadlineSeconds: 0.3);
        gate.Enqueue(hopeless);

        Assert.Equal(RejectionReason.DeadlineUnmeetable, hopeless.Rejection);
        Assert.InRange(hopeless.RetryAfter, TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800));
        Assert.Equal(5, gate.Waiting);
    }

    [Fact]
    public void An_expired_waiter_is_removed_and_never_admitted()
    {
        var gate = Gate(limit: 1);
        Assert.True(gate.TryEnter(Priority.Normal, out var running));
        var waiter = Waiter(Priority.Normal, deadlineSeconds: 0.5);
        gate.Enqueue(waiter);

        _clock.RunUntil(TimeSpan.FromSeconds(1));
        gate.Exit(running, LeaseOutcome.Completed);

        Assert.Equal(RejectionReason.Expired, waiter.Rejection);
        Assert.Null(waiter.Permit);
        Assert.Equal(0, gate.Waiting);
        Assert.Equal(0, gate.InFlight);
        Assert.Equal(1, gate.Counters.Timeouts);
    }

    [Fact]
    public void A_cancelled_waiter_is_removed_and_the_next_one_gets_the_slot()
    {
        var gate = Gate(limit: 1);
        Assert.True(gate.TryEnter(Priority.Normal, out var running));
        var quitter = Waiter(Priority.Normal);
        var patient = Waiter(Priority.Normal);
        gate.Enqueue(quitter);
        gate.Enqueue(patient);

        gate.Cancel(quitter);
        gate.Exit(running, LeaseOutcome.Completed);

        Assert.True(quitter.Cancelled);
        Assert.Null(quitter.Permit);
        Assert.NotNull(patient.Permit);
    }

    [Fact]
    public void A_full_queue_makes_room_for_higher_priority_by_refusing_the_lowest()
    {
        var gate = Gate(limit: 1, maxWaiters: 2);
        Assert.True(gate.TryEnter(Priority.Normal, out _));
        var browse = Waiter(Priority.Sheddable);
        var cart = Waiter(Priority.Normal);
        gate.Enqueue(browse);
        gate.Enqueue(cart);

        var checkout = Waiter(Priority.Critical);
        gate.Enqueue(checkout);
        var anotherBrowse = Waiter(Priority.Sheddable);
        gate.Enqueue(anotherBrowse);

        Assert.Equal(RejectionReason.QueueFull, browse.Rejection);
        Assert.Equal(RejectionReason.QueueFull, anotherBrowse.Rejection);
        Assert.Null(checkout.Rejection);
        Assert.Equal(2, gate.Waiting);
    }

    [Fact]
    public void Raising_the_limit_at_runtime_admits_waiters_at_once()
    {
        var gate = Gate(limit: 1);
        Assert.True(gate.TryEnter(Priority.Normal, out _));
        var waiter = Waiter(Priority.Normal);
        gate.Enqueue(waiter);

        gate.Apply(gate.Settings with { InitialLimit = 2 });

        Assert.NotNull(waiter.Permit);
        Assert.Equal(2, gate.Limit);
    }

    [Fact]
    public void Invalid_runtime_settings_are_refused_and_change_nothing()
    {
        var gate = Gate(limit: 4);
        var error = Assert.Throws<ArgumentException>(() => gate.Apply(gate.Settings with { Floor = 10, Ceiling = 5 }));

        Assert.Contains("ceiling (5) must not be below the floor (10)", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, gate.Limit);
    }

    [Fact]
    public void The_limit_never_exceeds_the_operator_cap_or_the_server_ceiling()
    {
        var gate = Gate(limit: 50);
        Assert.Equal(50, gate.Limit);

        gate.Apply(gate.Settings with { Ceiling = 20 });
        Assert.Equal(20, gate.Limit);

        gate.SetServerCeiling(12);
        Assert.Equal(12, gate.Limit);
        Assert.Equal(12, gate.Ceiling);
    }

    [Fact]
    public async Task EnterAsync_throws_a_typed_refusal_and_honours_cancellation()
    {
        var gate = new ConcurrencyGate(new GateSettings { Algorithm = LimitAlgorithms.Fixed, InitialLimit = 1, Floor = 1 }, 10, TimeProvider.System);
        Assert.True(gate.TryEnter(Priority.Normal, out var running));

        var refused = await Assert.ThrowsAsync<AdmissionRejectedException>(async () =>
            await gate.EnterAsync(Priority.Sheddable, gate.TimestampIn(TimeSpan.Zero), CancellationToken.None));
        Assert.Equal(RejectionReason.DeadlineUnmeetable, refused.Reason);
        Assert.Equal(Priority.Sheddable, refused.Priority);

        using var cancel = new CancellationTokenSource();
        var waiting = gate.EnterAsync(Priority.Normal, gate.TimestampIn(TimeSpan.FromSeconds(30)), cancel.Token).AsTask();
        Assert.Equal(1, gate.Waiting);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, gate.Waiting);

        gate.Exit(running, LeaseOutcome.Completed);
        Assert.Equal(0, gate.InFlight);
    }
}
