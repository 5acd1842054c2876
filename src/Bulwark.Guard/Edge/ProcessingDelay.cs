using System.Diagnostics.Metrics;
using Bulwark.Guard.Telemetry;

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

    /// <summary>Samples the standing delay is the least of: 100 ms at one per period (CoDel's interval).</summary>
    private const int StandingSamples = 10;

    private readonly TimeProvider _clock;
    private readonly ITimer _timer;
    private readonly double[] _recentSeconds = new double[StandingSamples];
    private int _nextSample;
    private long _dueAt;
    private double _smoothedSeconds;
    private double _standingSeconds;

    public ProcessingDelay(TimeProvider clock, IMeterFactory? meters = null)
    {
        _clock = clock;
        // What the edge sheds on, for whoever is paged: "is it the CPU or the database?" is the first question.
        meters?.Create(GateMetrics.MeterName).CreateObservableGauge("bulwark.processing.delay", () => new[]
        {
            new Measurement<double>(Current.TotalSeconds, new KeyValuePair<string, object?>("kind", "smoothed")),
            new Measurement<double>(Standing.TotalSeconds, new KeyValuePair<string, object?>("kind", "standing")),
        }, "s", "How late this process runs queued work (CPU saturation): smoothed, and the floor of the last 100 ms that the edge sheds on.");
        // Created stopped and started once stored: a first callback on a busy machine can come before
        // CreateTimer has returned, and it re-arms the timer through the field.
        _timer = clock.CreateTimer(static state => ((ProcessingDelay)state!).Sample(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _dueAt = clock.GetTimestamp() + (long)(Period.TotalSeconds * clock.TimestampFrequency);
        _timer.Change(Period, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The smoothed lateness of work queued now.</summary>
    public TimeSpan Current => TimeSpan.FromSeconds(Volatile.Read(ref _smoothedSeconds));

    /// <summary>
    /// The least lateness of the last ten samples (about 100 ms): a queue that never emptied in that time, as CoDel
    /// judges one. A burst, a GC pause or a neighbour's spike raises <see cref="Current"/> for a moment; only a CPU
    /// that stays saturated keeps every sample late.
    /// </summary>
    public TimeSpan Standing => TimeSpan.FromSeconds(Volatile.Read(ref _standingSeconds));

    /// <summary>Both readings at once, for the edge's decision.</summary>
    public CpuDelay Reading => new(Current, Standing);

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
    internal void Record(TimeSpan late)
    {
        Volatile.Write(ref _smoothedSeconds, (_smoothedSeconds * (1 - Smoothing)) + (late.TotalSeconds * Smoothing));
        _recentSeconds[_nextSample] = late.TotalSeconds;
        _nextSample = (_nextSample + 1) % StandingSamples;
        var least = double.MaxValue;
        foreach (var sample in _recentSeconds)
        {
            least = Math.Min(least, sample);
        }

        Volatile.Write(ref _standingSeconds, least);
    }

    // The meter is the factory's (shared by name with the gate's metrics): the factory disposes it.
    public void Dispose() => _timer.Dispose();
}

/// <summary>How late this process runs queued work: smoothed (bursts included) and standing (the floor of the last 100 ms).</summary>
public readonly record struct CpuDelay(TimeSpan Smoothed, TimeSpan Standing)
{
    public static CpuDelay None => default;

    /// <summary>A delay that has stood this long throughout (tests, simulations).</summary>
    public static CpuDelay Steady(TimeSpan delay) => new(delay, delay);
}
