namespace Bulwark.Guard.Tests.Simulation;

/// <summary>
/// Discrete-event time: nothing happens between events, and <see cref="RunUntil"/> jumps from one due
/// timer to the next. Timers created through the <see cref="TimeProvider"/> API (the gate's waiter
/// expiry) and the simulation's own events share one ordered heap, ties broken by creation order, so a
/// run is a pure function of its seed.
/// </summary>
public sealed class VirtualClock : TimeProvider
{
    private static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly PriorityQueue<Entry, (long Due, long Sequence)> _heap = new();
    private long _sequence;

    public long NowTicks { get; private set; }

    public TimeSpan Now => TimeSpan.FromTicks(NowTicks);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => NowTicks;

    public override DateTimeOffset GetUtcNow() => Epoch + Now;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new VirtualTimer(this, callback, state, period);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Runs <paramref name="action"/> at <paramref name="at"/> (or now, if that has passed).</summary>
    public void At(TimeSpan at, Action action) =>
        CreateTimer(static s => ((Action)s!)(), action, at > Now ? at - Now : TimeSpan.Zero, Timeout.InfiniteTimeSpan);

    /// <summary>Fires every timer due up to <paramref name="end"/> in order, then stops the clock there.</summary>
    public void RunUntil(TimeSpan end)
    {
        while (_heap.TryPeek(out var entry, out var key) && key.Due <= end.Ticks)
        {
            _heap.Dequeue();
            if (entry.Version != entry.Timer.Version || entry.Timer.Disposed)
            {
                continue;
            }

            NowTicks = key.Due;
            entry.Timer.Fire();
        }

        NowTicks = Math.Max(NowTicks, end.Ticks);
    }

    private void Schedule(VirtualTimer timer, long due) =>
        _heap.Enqueue(new Entry(timer, timer.Version), (due, _sequence++));

    private readonly record struct Entry(VirtualTimer Timer, long Version);

    private sealed class VirtualTimer(VirtualClock clock, TimerCallback callback, object? state, TimeSpan period) : ITimer
    {
        private TimeSpan _period = period;

        public long Version { get; private set; }

        public bool Disposed { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (Disposed)
            {
                return false;
            }

            Version++;
            _period = period;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                clock.Schedule(this, clock.NowTicks + Math.Max(0, dueTime.Ticks));
            }

            return true;
        }

        public void Fire()
        {
            if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
            {
                clock.Schedule(this, clock.NowTicks + _period.Ticks);
            }

            callback(state);
        }

        public void Dispose() => Disposed = true;

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
