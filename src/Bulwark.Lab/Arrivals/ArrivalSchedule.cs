namespace Bulwark.Lab.Arrivals;

/// <summary>
/// Turns a list of phases into the instants at which an open-model load generator must send,
/// whatever the system under test does meanwhile.
/// </summary>
/// <remarks>
/// Arrivals follow a non-homogeneous process by time rescaling: each gap is drawn in "expected
/// arrivals" (1 for uniform, Exp(1) for Poisson) and converted to time by inverting the integral of
/// the rate, which is exact for linear ramps. Residual intensity carries over phase boundaries, so a
/// phase change does not reset the clock of the next arrival.
/// </remarks>
public sealed class ArrivalSchedule
{
    readonly IReadOnlyList<ArrivalPhase> _phases;
    readonly ArrivalProcess _process;
    readonly int _seed;
    readonly int _streamIndex;

    public ArrivalSchedule(IReadOnlyList<ArrivalPhase> phases, ArrivalProcess process, int seed, int streamIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(phases);
        if (phases.Count == 0) throw new ArgumentException("A schedule needs at least one phase.", nameof(phases));
        _phases = phases;
        _process = process;
        _seed = seed;
        _streamIndex = streamIndex;
    }

    public IReadOnlyList<ArrivalPhase> Phases => _phases;

    public TimeSpan TotalDuration => _phases.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Duration);

    public double ExpectedArrivals => _phases.Sum(p => p.ExpectedArrivals);

    /// <summary>Start offset of each phase, for reports and event timing.</summary>
    public IReadOnlyList<TimeSpan> PhaseStarts()
    {
        var starts = new List<TimeSpan>(_phases.Count);
        var at = TimeSpan.Zero;
        foreach (var phase in _phases)
        {
            starts.Add(at);
            at += phase.Duration;
        }
        return starts;
    }

    /// <summary>The intended send instants, in order. Same seed, same sequence.</summary>
    public IEnumerable<ScheduledArrival> Arrivals()
    {
        var random = new Random(_seed);
        var phaseStart = 0.0;
        long sequence = 0;
        var needed = NextGap(random);   // expected arrivals still to pass before the next one

        for (var p = 0; p < _phases.Count; p++)
        {
            var phase = _phases[p];
            var duration = phase.Duration.TotalSeconds;
            var a = phase.StartRps;
            var b = (phase.EndRps - phase.StartRps) / duration;   // rate slope, per second²
            var t = 0.0;                                           // seconds into this phase

            while (true)
            {
                var reached = SolveTime(a, b, t, needed);
                if (reached is not { } at || at >= duration)
                {
                    needed -= Integral(a, b, t, duration);
                    break;
                }
                yield return new ScheduledArrival(TimeSpan.FromSeconds(phaseStart + at), _streamIndex, p, sequence++);
                t = at;
                needed = NextGap(random);
            }
            phaseStart += duration;
        }
    }

    double NextGap(Random random) => _process switch
    {
        ArrivalProcess.Uniform => 1.0,
        // 1 - NextDouble() is in (0, 1], so the logarithm is finite.
        _ => -Math.Log(1.0 - random.NextDouble()),
    };

    /// <summary>∫ from t0 to t1 of (a + b·t) dt.</summary>
    static double Integral(double a, double b, double t0, double t1) =>
        a * (t1 - t0) + b / 2 * (t1 * t1 - t0 * t0);

    /// <summary>
    /// The time t ≥ t0 at which the rate's integral from t0 reaches <paramref name="amount"/>, or
    /// null if the rate never accumulates that much (zero or falling to zero).
    /// </summary>
    static double? SolveTime(double a, double b, double t0, double amount)
    {
        // Solve b/2·t² + a·t − F = 0 where F = ∫0..t0 + amount, written as 2F / (a + √(a² + 2bF)):
        // the same root as the textbook formula but without its cancellation when b is tiny.
        var target = a * t0 + b / 2 * t0 * t0 + amount;
        var discriminant = a * a + 2 * b * target;
        if (discriminant < 0) return null;     // a falling ramp reaches zero before accumulating enough
        var denominator = a + Math.Sqrt(discriminant);
        if (denominator <= 0) return null;     // no rate at all
        var root = 2 * target / denominator;
        return root >= t0 ? root : null;
    }
}
