namespace Bulwark.Guard.Bulkheads;

/// <summary>
/// The share of time one kind of work may run, on average: a bucket of running time that fills at
/// <c>share</c> seconds per second up to <c>burst</c>, and that every piece of work drains by the time it ran.
/// A concurrency limit alone cannot bound CPU on a machine with one core for the shop: one hash at a
/// time is already the whole core (incident 3 in the lab, where sign-ins took half of the shop's CPU and
/// checkouts queued behind them for the processor). The bucket starts full, so a handful of sign-ups on an idle
/// shop run back to back without waiting; only a storm is paced.
/// </summary>
/// <remarks>
/// Work-conserving when told how: with <c>contended</c>, the share holds only while other work is short of the
/// CPU (the shop passes <c>CpuContention</c>: the CPU short and more important requests in flight); on an idle machine the work runs
/// freely and leaves no debt behind, so sixteen sign-ups at once, or a lab signing in its buyers, are never
/// paced for a CPU nobody else wants. Work is charged by the CPU time it used where the platform says (Linux), else by
/// the wall time it ran, which on a busy core is more than its CPU time: a storm then gets less than its share, never
/// more. Thread-safe.
/// </remarks>
public sealed class DutyCycle
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _clock;
    private readonly double _share;
    private readonly Func<bool> _contended;
    private readonly long _burstTicks;
    private readonly Func<TimeSpan?>? _cpuTime;
    // TimeSpan ticks of running time left; below zero, a debt.
    private long _balanceTicks;
    private long _filledAt;

    /// <param name="share">Seconds of running time allowed per second (0.25 of one CPU: a quarter; 2: two CPUs' worth).</param>
    /// <param name="burst">Running time that may be spent back to back after a quiet spell.</param>
    /// <param name="clock">All time comes from here.</param>
    /// <param name="contended">Whether other work is short of the CPU now; null: always (the share always holds).</param>
    /// <param name="cpuTime">
    /// The calling thread's CPU time (<see cref="ThreadCpuTime.Current"/>): <see cref="Run{T}"/> charges work by what it
    /// cost the CPU. Null, or null answers: by the wall time it took on <paramref name="clock"/>.
    /// </param>
    public DutyCycle(double share, TimeSpan burst, TimeProvider clock, Func<bool>? contended = null, Func<TimeSpan?>? cpuTime = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(share);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(burst, TimeSpan.Zero);
        _share = share;
        _burstTicks = burst.Ticks;
        _balanceTicks = _burstTicks;
        _clock = clock;
        _contended = contended ?? (static () => true);
        _filledAt = clock.GetTimestamp();
        _cpuTime = cpuTime;
    }

    /// <summary>How long work must wait before it may start: zero unless the bucket is in debt.</summary>
    public TimeSpan WaitBeforeStart()
    {
        lock (_lock)
        {
            Fill();
            if (!_contended())
            {
                // Nobody else wants the CPU: run now, and forgive what ran while nobody minded.
                _balanceTicks = Math.Max(_balanceTicks, 0);
                return TimeSpan.Zero;
            }

            return _balanceTicks >= 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)Math.Ceiling(-_balanceTicks / _share));
        }
    }

    /// <summary>Runs synchronous work on this thread and charges what it cost (see the constructor's <c>cpuTime</c>).</summary>
    public T Run<T>(Func<T> work)
    {
        var cpuBefore = _cpuTime?.Invoke();
        var started = _clock.GetTimestamp();
        try
        {
            return work();
        }
        finally
        {
            Charge(cpuBefore is { } before && _cpuTime!() is { } after ? after - before : _clock.GetElapsedTime(started));
        }
    }

    /// <summary>Charges work that ran for <paramref name="ran"/>; the bucket may go below zero (a debt the next work waits out).</summary>
    public void Charge(TimeSpan ran)
    {
        lock (_lock)
        {
            Fill();
            _balanceTicks -= ran.Ticks;
            if (!_contended())
            {
                _balanceTicks = Math.Max(_balanceTicks, 0);
            }
        }
    }

    private void Fill()
    {
        var now = _clock.GetTimestamp();
        _balanceTicks = (long)Math.Min(_burstTicks, _balanceTicks + (_clock.GetElapsedTime(_filledAt, now).Ticks * _share));
        _filledAt = now;
    }
}
