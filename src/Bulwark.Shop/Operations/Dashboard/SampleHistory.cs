namespace Bulwark.Shop.Operations.Dashboard;

/// <summary>The last ten minutes of samples in a ring: the dashboard's memory, fixed in size.</summary>
public sealed class SampleHistory
{
    public static readonly TimeSpan Span = TimeSpan.FromMinutes(10);

    private readonly OpsSample?[] _ring;
    private readonly Lock _lock = new();
    private long _written;

    public SampleHistory(TimeSpan interval)
    {
        _ring = new OpsSample?[(int)Math.Ceiling(Span / interval)];
    }

    public int Capacity => _ring.Length;

    public void Add(OpsSample sample)
    {
        lock (_lock)
        {
            _ring[_written % _ring.Length] = sample;
            _written++;
        }
    }

    public OpsSample? Latest
    {
        get
        {
            lock (_lock)
            {
                return _written == 0 ? null : _ring[(_written - 1) % _ring.Length];
            }
        }
    }

    /// <summary>Samples taken after <paramref name="after"/> (all when null), oldest first.</summary>
    public IReadOnlyList<OpsSample> Since(DateTimeOffset? after = null)
    {
        lock (_lock)
        {
            var count = (int)Math.Min(_written, _ring.Length);
            var samples = new List<OpsSample>(count);
            for (var i = _written - count; i < _written; i++)
            {
                var sample = _ring[i % _ring.Length]!;
                if (after is null || sample.At > after)
                {
                    samples.Add(sample);
                }
            }

            return samples;
        }
    }
}
