namespace Bulwark.Guard.Gate;

/// <summary>
/// Intrusive double-ended list of the waiters of one priority: O(1) at both ends (FIFO or LIFO) and
/// O(1) removal of a cancelled waiter from the middle, with no node allocations. Guarded by the gate's lock.
/// Continuing waiters (<see cref="GateWaiter.Continuing"/>) stand together at the head, in arrival order, ahead of
/// every new one whichever end the gate takes new waiters from.
/// </summary>
internal sealed class WaiterQueue
{
    private GateWaiter? _head;
    private GateWaiter? _tail;
    private GateWaiter? _lastContinuing;

    public int Count { get; private set; }

    public GateWaiter? Oldest => _head;

    public GateWaiter? Newest => _tail;

    /// <summary>Continuing waiters in the line (all at its head).</summary>
    public int ContinuingCount { get; private set; }

    /// <summary>The first continuing waiter, if any: it goes before every new one.</summary>
    public GateWaiter? FirstContinuing => ContinuingCount > 0 ? _head : null;

    /// <summary>The oldest waiter that is not continuing (the gate also reads it without its lock: one read of the field).</summary>
    public GateWaiter? OldestNew
    {
        get
        {
            var last = _lastContinuing;
            return last is null ? _head : last.Next;
        }
    }

    /// <summary>Who is admitted first: the first continuing waiter, else the oldest (FIFO) or newest (LIFO) new one.</summary>
    public GateWaiter? First(bool lifo) => FirstContinuing ?? (lifo ? _tail : _head);

    /// <summary>Who is admitted after <paramref name="waiter"/> (read before removing it): the line in admission order.</summary>
    public GateWaiter? After(GateWaiter waiter, bool lifo)
    {
        if (waiter.Continuing)
        {
            if (waiter.Next is { Continuing: true } nextContinuing)
            {
                return nextContinuing;
            }

            return lifo ? (_tail is { Continuing: false } newest ? newest : null) : waiter.Next;
        }

        return lifo ? (waiter.Previous is { Continuing: false } older ? older : null) : waiter.Next;
    }

    /// <summary>Adds a new waiter at the tail, or a continuing one after the continuing waiters already there.</summary>
    public void Enqueue(GateWaiter waiter)
    {
        if (waiter.Continuing)
        {
            InsertAfter(_lastContinuing, waiter);
            _lastContinuing = waiter;
            ContinuingCount++;
        }
        else
        {
            InsertAfter(_tail, waiter);
        }
    }

    /// <summary>Links <paramref name="waiter"/> in after <paramref name="after"/> (null: at the head).</summary>
    private void InsertAfter(GateWaiter? after, GateWaiter waiter)
    {
        var before = after is null ? _head : after.Next;
        waiter.Previous = after;
        waiter.Next = before;
        if (after is null)
        {
            _head = waiter;
        }
        else
        {
            after.Next = waiter;
        }

        if (before is null)
        {
            _tail = waiter;
        }
        else
        {
            before.Previous = waiter;
        }

        waiter.IsQueued = true;
        Count++;
    }

    public void Remove(GateWaiter waiter)
    {
        if (waiter.Continuing)
        {
            // The continuing waiters are contiguous from the head: the one before the last is the new last.
            if (ReferenceEquals(waiter, _lastContinuing))
            {
                _lastContinuing = waiter.Previous;
            }

            ContinuingCount--;
        }

        if (waiter.Previous is null)
        {
            _head = waiter.Next;
        }
        else
        {
            waiter.Previous.Next = waiter.Next;
        }

        if (waiter.Next is null)
        {
            _tail = waiter.Previous;
        }
        else
        {
            waiter.Next.Previous = waiter.Previous;
        }

        waiter.Previous = null;
        waiter.Next = null;
        waiter.IsQueued = false;
        Count--;
    }
}
