namespace Bulwark.Guard.Limits;

/// <summary>
/// Gathers lease completions into windows for the limit algorithm. A window closes once it is both
/// long enough and has enough samples to average out the mix of cheap and expensive queries, or when
/// it has waited <see cref="MaxDuration"/> for them (low traffic). Not thread-safe: the gate guards it.
/// </summary>
public sealed class SampleWindow(TimeSpan minDuration, TimeSpan maxDuration, int minSamples, int classes = 3)
{
    private readonly double[] _classSums = new double[classes];
    private readonly int[] _classCounts = new int[classes];
    private TimeSpan _openedAt;
    private double _rttSum;
    private int _count;
    private int _dropped;
    private int _maxInFlight;

    /// <summary>Defaults: 100 ms, at least 20 samples, at most 1 s; three classes (the priorities).</summary>
    public SampleWindow() : this(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), 20)
    {
    }

    public TimeSpan MinDuration { get; } = minDuration;

    public TimeSpan MaxDuration { get; } = maxDuration;

    public int MinSamples { get; } = minSamples;

    /// <summary>Notes concurrency seen at an admission so the window knows how loaded it was.</summary>
    public void ObserveInFlight(int inFlight) => _maxInFlight = Math.Max(_maxInFlight, inFlight);

    /// <summary>Adds one completed lease; returns the window's sample when this completion closes it.</summary>
    public LimitSample? Record(TimeSpan at, TimeSpan held, bool dropped, int inFlightBeforeExit, int workClass = 0)
    {
        var seconds = held.TotalSeconds;
        _rttSum += seconds;
        _count++;
        _classSums[workClass] += seconds;
        _classCounts[workClass]++;
        if (dropped)
        {
            _dropped++;
        }

        _maxInFlight = Math.Max(_maxInFlight, inFlightBeforeExit);

        var length = at - _openedAt;
        var full = length >= MinDuration && _count >= MinSamples;
        if (!full && length < MaxDuration)
        {
            return null;
        }

        var perClass = new List<ClassLatency>(_classCounts.Length);
        for (var c = 0; c < _classCounts.Length; c++)
        {
            if (_classCounts[c] > 0)
            {
                perClass.Add(new ClassLatency(c, TimeSpan.FromSeconds(_classSums[c] / _classCounts[c]), _classCounts[c]));
            }
        }

        var sample = new LimitSample(at, length, TimeSpan.FromSeconds(_rttSum / _count), _maxInFlight, _count, _dropped)
        {
            Classes = perClass,
        };
        _openedAt = at;
        _rttSum = 0;
        _count = 0;
        _dropped = 0;
        Array.Clear(_classSums);
        Array.Clear(_classCounts);
        _maxInFlight = inFlightBeforeExit - 1;
        return sample;
    }
}
