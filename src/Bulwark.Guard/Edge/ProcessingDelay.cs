namespace Bulwark.Guard.Edge;

/// <summary>
/// How long work waits for a thread of this process right now: a timer asks every <see cref="Period"/>
/// and measures how late its callback runs (the timer's own slack plus the thread pool's queue). When
/// the CPU is saturated — the shop's own work, or a PostgreSQL sharing its cores — requests queue here,
/// before the edge has even read them, where the gate's connection queue cannot see it. Smoothed over
/// about ten periods; reading it is one volatile read.
/// </summary>
public sealed class ProcessingDelay : IDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);

    // Weight of the newest sample: about a 100 ms memory at one sample per 10 ms, so one hiccup (a GC,
    // a neighbour's burst) does not shed, while a saturated CPU is recognised within ShedAfter.
    private const double Smoothing = 0.1;

    private readonly TimeProvider _clock;
    private readonly ITimer _timer;
    private long _dueAt;
    private double _smoothedSeconds;

    public ProcessingDelay(TimeProvider clock)
    {
        _clock = clock;
        // Created stopped and started once stored: a first callback on a busy machine can come before
        // CreateTimer has returned, and it re-arms the timer through the field.
        _timer = clock.CreateTimer(static state => ((ProcessingDelay)state!).Sample(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _dueAt = clock.GetTimestamp() + (long)(Period.TotalSeconds * clock.TimestampFrequency);
        _timer.Change(Period, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The smoothed lateness of work queued now.</summary>
    public TimeSpan Current => TimeSpan.FromSeconds(Volatile.Read(ref _smoothedSeconds));

    private void Sample()
    {
        var now = _clock.GetTimestamp();
        Record(TimeSpan.FromSeconds(Math.Max(0, (now - _dueAt) / (double)_clock.TimestampFrequency)));
        _dueAt = now + (long)(Period.TotalSeconds * _clock.TimestampFrequency);
        try
        {
            _timer.Change(Period, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Stopped while this sample ran.
        }
    }

    /// <summary>Folds one sample of lateness into the smoothed delay (one sampler thread at a time).</summary>
    internal void Record(TimeSpan late) =>
        Volatile.Write(ref _smoothedSeconds, (_smoothedSeconds * (1 - Smoothing)) + (late.TotalSeconds * Smoothing));

    public void Dispose() => _timer.Dispose();
}
