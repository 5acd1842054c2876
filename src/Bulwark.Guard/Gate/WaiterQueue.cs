namespace Bulwark.Guard.Gate;

/// <summary>
/// Intrusive double-ended list of the waiters of one priority: O(1) at both ends (FIFO or LIFO) and
/// O(1) removal of a cancelled waiter from the middle, with no node allocations. Guarded by the gate's lock.
/// </summary>
internal sealed class WaiterQueue
{
    private GateWaiter? _head;
    private GateWaiter? _tail;

    public int Count { get; private set; }

    public GateWaiter? Oldest => _head;

    public GateWaiter? Newest => _tail;

    public void Add(GateWaiter waiter)
    {
        waiter.Previous = _tail;
        waiter.Next = null;
        if (_tail is null)
        {
            _head = waiter;
        }
        else
        {
            _tail.Next = waiter;
        }

        _tail = waiter;
        waiter.IsQueued = true;
        Count++;
    }

    public void Remove(GateWaiter waiter)
    {
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
