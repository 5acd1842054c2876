namespace Bulwark.Guard.Telemetry;

/// <summary>
/// The last <c>capacity</c> durations in a ring, written without locks (one interlocked increment and
/// a store) so the gate's fast path can feed it. Percentiles copy and sort on read: reads are rare
/// (a scrape, a dashboard refresh), writes are every admission.
/// </summary>
public sealed class LatencyReservoir
{
    private readonly double[] _seconds;
    private readonly int _mask;
    private long _written;

    /// <param name="capacity">Samples kept; rounded up to a power of two. Default 1024.</param>
    public LatencyReservoir(int capacity = 1024)
    {
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, 2));
        _seconds = new double[size];
        _mask = size - 1;
    }

    public void Record(TimeSpan duration)
    {
        var index = Interlocked.Increment(ref _written) - 1;
        Volatile.Write(ref _seconds[index & _mask], duration.TotalSeconds);
    }

    /// <summary>The p-th percentile (0..1) of the retained samples; zero when none were recorded.</summary>
    public TimeSpan Percentile(double p) => Percentiles(p)[0];

    /// <summary>Several percentiles from one sorted copy.</summary>
    public TimeSpan[] Percentiles(params double[] ps)
    {
        var count = (int)Math.Min(Volatile.Read(ref _written), _seconds.Length);
        var result = new TimeSpan[ps.Length];
        if (count == 0)
        {
            return result;
        }

        var copy = new double[count];
        Array.Copy(_seconds, copy, count);
        Array.Sort(copy);
        for (var i = 0; i < ps.Length; i++)
        {
            var rank = (int)Math.Ceiling(ps[i] * count) - 1;
            result[i] = TimeSpan.FromSeconds(copy[Math.Clamp(rank, 0, count - 1)]);
        }

        return result;
    }
}
