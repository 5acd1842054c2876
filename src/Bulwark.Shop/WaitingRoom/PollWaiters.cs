namespace Bulwark.Shop.WaitingRoom;

/// <summary>
/// Polls held open (<c>Prefer: wait</c>) until their ticket's turn comes or the sale sells out, so a buyer learns
/// either within a tick instead of at its next poll. Keyed by place in line: a frontier that moves wakes only the
/// places it passed, not every held poll. Holding costs no CPU; a held poll that times out is answered as an ordinary
/// poll would be.
/// </summary>
public sealed class PollWaiters
{
    /// <summary>Abandoned entries tolerated before the queue is rebuilt without them.</summary>
    private const int CompactAbove = 256;

    private readonly Lock _lock = new();
    private readonly PriorityQueue<TaskCompletionSource, long> _waiting = new();
    private long _releasedThrough;
    private int _abandoned;

    /// <summary>Polls held now (abandoned ones not yet cleared included).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>
    /// Waits until the line passes <paramref name="sequence"/>, <see cref="ReleaseAll"/> is called, or
    /// <paramref name="hold"/> runs out. <paramref name="stillWaiting"/> is asked once more after registering, so a
    /// change that happened between the caller's look and the registration is not slept through.
    /// </summary>
    public async Task WaitAsync(long sequence, TimeSpan hold, TimeProvider clock, Func<bool> stillWaiting, CancellationToken cancellationToken)
    {
        var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (sequence <= _releasedThrough)
            {
                return;
            }

            _waiting.Enqueue(woken, sequence);
        }

        if (stillWaiting())
        {
            // Without throwing: a held poll that times out (most of them) is no error.
            await woken.Task.WaitAsync(hold, clock, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (woken.TrySetCanceled())
        {
            Abandoned();
        }
    }

    /// <summary>The line has let out every place through <paramref name="through"/>.</summary>
    public void Release(long through)
    {
        List<TaskCompletionSource>? wake = null;
        lock (_lock)
        {
            if (through <= _releasedThrough)
            {
                return;
            }

            _releasedThrough = through;
            while (_waiting.TryPeek(out _, out var sequence) && sequence <= through)
            {
                var waiter = _waiting.Dequeue();
                if (waiter.Task.IsCompleted)
                {
                    _abandoned--;
                }
                else
                {
                    (wake ??= []).Add(waiter);
                }
            }
        }

        Wake(wake);
    }

    /// <summary>Something every waiter must hear at once (the sale sold out or ended).</summary>
    public void ReleaseAll()
    {
        List<TaskCompletionSource>? wake = null;
        lock (_lock)
        {
            while (_waiting.TryDequeue(out var waiter, out _))
            {
                (wake ??= []).Add(waiter);
            }

            _abandoned = 0;
        }

        Wake(wake);
    }

    private static void Wake(List<TaskCompletionSource>? waiters)
    {
        foreach (var waiter in waiters ?? [])
        {
            waiter.TrySetResult();
        }
    }

    private void Abandoned()
    {
        lock (_lock)
        {
            // Timed-out entries stay queued until the frontier passes them; far back in a long line that can take a
            // while, so once they outnumber the live ones the queue is rebuilt without them.
            if (++_abandoned <= CompactAbove || _abandoned <= _waiting.Count / 2)
            {
                return;
            }

            var live = _waiting.UnorderedItems.Where(item => !item.Element.Task.IsCompleted).ToList();
            _waiting.Clear();
            _waiting.EnqueueRange(live);
            _abandoned = 0;
        }
    }
}
