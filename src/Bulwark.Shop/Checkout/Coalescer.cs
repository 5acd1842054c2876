using System.Diagnostics;

namespace Bulwark.Shop.Checkout;

/// <summary>
/// Group commit in process: requests that arrive while a batch is running wait in memory, in arrival order, and
/// go together in the next batch, so a burst costs one transaction (one row lock, one WAL flush) per batch instead
/// of one per request. Nothing waits for a timer: a request arriving at an idle coalescer starts a batch of one at
/// once, and batches grow only as large as the work arriving while the previous one runs ("within a few
/// milliseconds" is exactly one batch's run time). Generic; kept in the shop because only checkout uses it.
/// </summary>
/// <remarks>
/// <para>Deadlines: a request whose deadline passes (or whose caller gives up) is answered at that moment with
/// <c>expired</c> (or cancellation), whether it still waits in the queue (it is taken out) or rides in a running
/// batch (its result, when it comes, goes to <c>abandoned</c> so that what the batch did for it can be undone).
/// A batch runs under the latest deadline of its members.</para>
/// <para>Identity: a request whose identity is in flight — in a running batch, or being undone for a caller who was
/// answered before its batch ended — waits in the queue until that is over. The refusal told the caller nothing was
/// done, so the same request sent again must find nothing done: not the order being undone, half-way.</para>
/// <para>Waiting: a request that has waited longer than <c>maxWait</c> plus one batch's usual duration was passed over
/// by full batches (more waiting than one batch takes): it is refused as the gate refuses a waiter over its queue-delay
/// target. The edge cannot see this queue, so without the bound it kept admitting checkouts that then spent their whole
/// deadline here, paid, and could not record the payment in time (lab bench at 5×: 1,108 such orders in 30 s).
/// A request for which <c>waitsOutItsDeadline</c> says so when it joins is bound by its deadline alone: something upstream
/// metered it in (a waiting room's admission), and refusing it after the target told a buyer whose turn had come to try
/// again (lab sale: 31 admitted checkouts refused so, none for their deadline).</para>
/// <para>Isolation: a batch that fails with anything but a refusal is run again one request at a time, so one
/// request the batch cannot take (a bug, a constraint) fails alone instead of failing its neighbours.</para>
/// </remarks>
public sealed class Coalescer<TRequest, TResult>(
    Func<IReadOnlyList<TRequest>, DateTimeOffset?, Task<IReadOnlyList<TResult>>> runBatch,
    CoalescerLimits limits,
    TimeProvider clock,
    Func<TRequest, object> identity,
    Func<Exception> expired,
    Func<TRequest, TResult, Task> abandoned,
    Func<TimeSpan>? maxWait = null,
    Func<bool>? waitsOutItsDeadline = null)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Member> _queue = new();

    /// <summary>Identities in a running batch or being undone.</summary>
    private readonly HashSet<object> _inFlight = [];
    private int _running;

    /// <summary>How long a batch has been taking (smoothed), in the clock's timestamp ticks; 0 until one has run.</summary>
    private long _batchTime;

    /// <summary>Requests waiting for a batch (not counting those in running batches).</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public Task<TResult> RunAsync(TRequest request, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        var member = new Member(request, deadline, clock.GetTimestamp(), waitsOutItsDeadline?.Invoke() == true);
        bool startDrain;
        lock (_lock)
        {
            member.Node = _queue.AddLast(member);
            startDrain = _running < limits.MaxBatchesInFlight;
            if (startDrain)
            {
                _running++;
            }
        }

        var timer = deadline is { } until ? new CancellationTokenSource(Max(until - clock.GetUtcNow(), TimeSpan.Zero), clock) : null;
        member.Watch(timer, () => GiveUp(member, expired()), cancellationToken, () => GiveUp(member, new OperationCanceledException(cancellationToken)));
        if (startDrain)
        {
            StartDrain();
        }

        return member.Answer.Task;
    }

    private void StartDrain()
    {
        // Off the caller's flow: the batch is everyone's, so it must not inherit one request's ambient state
        // (its deadline, its trace) nor make that request's answer wait for later batches.
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(DrainAsync, CancellationToken.None);
        }
    }

    private async Task DrainAsync()
    {
        while (TakeBatch() is { } batch)
        {
            // The batch's spans (its SQL) join the trace of its oldest member: a checkout alone, the usual case on a
            // calm shop, stays one trace from request to gateway call. Only the trace flows, not the request's state.
            Activity.Current = batch[0].Trace;
            var started = clock.GetTimestamp();
            await RunAndAnswerAsync(batch, allowSplit: true);
            var took = clock.GetTimestamp() - started;
            var before = Interlocked.Read(ref _batchTime);
            Interlocked.Exchange(ref _batchTime, before == 0 ? took : before + (took - before) / 5);
        }
    }

    /// <summary>
    /// The oldest waiting requests, up to the batch size, in arrival order; null, ending this drain, when none can go.
    /// A request with the same identity as one in flight (the same idempotency key sent twice at once, or again while
    /// its first try is undone) waits: one transaction cannot both make an order and find it already made, and an order
    /// being undone is not one to find. Whoever ends that flight takes it next. A request whose deadline would pass
    /// before a batch of the usual duration ends is refused now.
    /// </summary>
    private List<Member>? TakeBatch()
    {
        List<Member>? refused = null;
        List<Member> batch;
        lock (_lock)
        {
            batch = new List<Member>(Math.Min(_queue.Count, limits.MaxBatch));
            var batchTime = clock.GetElapsedTime(0, Interlocked.Read(ref _batchTime));
            var finishesAround = clock.GetUtcNow() + batchTime;
            var waitedTooLong = maxWait is null ? TimeSpan.MaxValue : maxWait() + batchTime;
            var now = clock.GetTimestamp();
            for (var node = _queue.First; node is not null && batch.Count < limits.MaxBatch;)
            {
                var next = node.Next;
                if ((batch.Count > 0 && node.Value.Deadline < finishesAround)
                    || (!node.Value.WaitsOutItsDeadline && clock.GetElapsedTime(node.Value.QueuedAt, now) > waitedTooLong))
                {
                    // As the gate refuses a waiter whose deadline cannot be met: a batch would only do work for a
                    // buyer answered before it ends, and then have to undo it. The oldest always runs: the estimate
                    // is only renewed by batches that run, and one slow batch must not refuse everyone after it.
                    _queue.Remove(node);
                    node.Value.Node = null;
                    node.Value.State = MemberState.GivenUp;
                    (refused ??= []).Add(node.Value);
                }
                else if (_inFlight.Add(identity(node.Value.Request)))
                {
                    _queue.Remove(node);
                    node.Value.Node = null;
                    node.Value.State = MemberState.Running;
                    batch.Add(node.Value);
                }

                node = next;
            }

            if (batch.Count == 0)
            {
                _running--;
            }
        }

        foreach (var member in refused ?? [])
        {
            member.StopWatching();
            member.Answer.TrySetException(expired());
        }

        return batch.Count == 0 ? null : batch;
    }

    /// <summary>Ends an identity's flight: a request that waited for it may go now.</summary>
    private void Release(TRequest request)
    {
        bool startDrain;
        lock (_lock)
        {
            _inFlight.Remove(identity(request));
            // A drain that ended because only held identities waited is not coming back for them: start one.
            startDrain = _queue.Count > 0 && _running < limits.MaxBatchesInFlight;
            if (startDrain)
            {
                _running++;
            }
        }

        if (startDrain)
        {
            StartDrain();
        }
    }

    private async Task RunAndAnswerAsync(List<Member> batch, bool allowSplit)
    {
        IReadOnlyList<TResult> results;
        try
        {
            results = await runBatch(batch.ConvertAll(member => member.Request), LatestDeadline(batch));
        }
        catch (Exception failure) when (allowSplit && batch.Count > 1 && failure is not (Bulwark.Guard.Gate.AdmissionRejectedException or OperationCanceledException))
        {
            foreach (var member in batch)
            {
                await RunAndAnswerAsync([member], allowSplit: false);
            }

            return;
        }
        catch (Exception failure)
        {
            foreach (var member in batch)
            {
                Finish(member)?.TrySetException(failure);
                Release(member.Request);
            }

            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (Finish(batch[i]) is { } answer)
            {
                answer.TrySetResult(results[i]);
                Release(batch[i].Request);
            }
            else
            {
                // Not awaited: the next batch need not wait for this one's undo, only the same identity does.
                _ = UndoAsync(batch[i].Request, results[i]);
            }
        }
    }

    private async Task UndoAsync(TRequest request, TResult result)
    {
        try
        {
            await abandoned(request, result);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // The undo is the callback's business; it must not keep the identity held, or its requests would wait forever.
        }
        finally
        {
            Release(request);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>The batch's deadline: its latest member's, or none if any member has none (the gate's default then).</summary>
    private static DateTimeOffset? LatestDeadline(List<Member> batch)
    {
        DateTimeOffset? latest = null;
        foreach (var member in batch)
        {
            if (member.Deadline is not { } deadline)
            {
                return null;
            }

            latest = latest is null || deadline > latest ? deadline : latest;
        }

        return latest;
    }

    /// <summary>Marks a running member answered; null if it was already answered (given up) while its batch ran.</summary>
    private TaskCompletionSource<TResult>? Finish(Member member)
    {
        bool wasRunning;
        lock (_lock)
        {
            wasRunning = member.State == MemberState.Running;
            member.State = MemberState.Answered;
        }

        // Outside the lock: disposing a registration waits for its callback, which may be waiting for the lock.
        member.StopWatching();
        return wasRunning ? member.Answer : null;
    }

    /// <summary>The caller's deadline passed or it gave up: answer it now, wherever it is.</summary>
    private void GiveUp(Member member, Exception reason)
    {
        lock (_lock)
        {
            switch (member.State)
            {
                case MemberState.Queued:
                    _queue.Remove(member.Node!);
                    member.Node = null;
                    break;
                case MemberState.Running:
                    // Stays in its batch; the batch's result for it goes to `abandoned`.
                    break;
                default:
                    return;
            }

            member.State = MemberState.GivenUp;
        }

        member.Answer.TrySetException(reason);
    }

    private enum MemberState { Queued, Running, GivenUp, Answered }

    private sealed class Member(TRequest request, DateTimeOffset? deadline, long queuedAt, bool waitsOutItsDeadline)
    {
        private CancellationTokenSource? _deadlineTimer;
        private CancellationTokenRegistration _deadlineWatch;
        private CancellationTokenRegistration _callerWatch;

        public TRequest Request { get; } = request;

        public DateTimeOffset? Deadline { get; } = deadline;

        /// <summary>When it joined the queue (the clock's timestamp).</summary>
        public long QueuedAt { get; } = queuedAt;

        /// <summary>Bound by its deadline alone, not by <c>maxWait</c>.</summary>
        public bool WaitsOutItsDeadline { get; } = waitsOutItsDeadline;

        /// <summary>The caller's span when it joined, to parent the batch's own spans.</summary>
        public Activity? Trace { get; } = Activity.Current;

        public TaskCompletionSource<TResult> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Member>? Node { get; set; }

        public MemberState State { get; set; }

        public void Watch(CancellationTokenSource? deadlineTimer, Action onDeadline, CancellationToken cancellationToken, Action onCancelled)
        {
            _deadlineTimer = deadlineTimer;
            if (deadlineTimer is not null)
            {
                _deadlineWatch = deadlineTimer.Token.Register(onDeadline);
            }

            if (cancellationToken.CanBeCanceled)
            {
                _callerWatch = cancellationToken.Register(onCancelled);
            }
        }

        /// <summary>Once answered: a callback that still fires finds the member answered and does nothing.</summary>
        public void StopWatching()
        {
            _deadlineWatch.Dispose();
            _callerWatch.Dispose();
            _deadlineTimer?.Dispose();
        }
    }
}

/// <summary>How large a batch may grow and how many may run at once (each holds one database connection).</summary>
public sealed record CoalescerLimits(int MaxBatch, int MaxBatchesInFlight);
