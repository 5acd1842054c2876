namespace Bulwark.Guard.Tests.Simulation;

/// <summary>
/// A database shaped by the Universal Scalability Law: with n statements running, each progresses at
/// <c>1 / (1 + σ(n−1) + κ·n(n−1))</c> of its solo speed (processor sharing), so throughput
/// <c>X(n) = n / (1 + σ(n−1) + κ·n(n−1))</c> peaks at a few connections and falls beyond: contention (σ)
/// and coherency (κ) cost, the shape measured on real PostgreSQL servers. Work is in solo-seconds.
/// A statement running past its statement timeout is cancelled by the server.
/// </summary>
public sealed class UslDatabase(VirtualClock clock, double sigma, double kappa)
{
    private readonly List<Statement> _running = [];
    private long _lastAdvance;
    private ITimer? _next;

    public int Running => _running.Count;

    /// <summary>Solo-seconds of work finished (not cancelled).</summary>
    public double WorkCompleted { get; private set; }

    public double Throughput(int n) => n == 0 ? 0 : n / Slowdown(n);

    public double Slowdown(int n) => 1 + sigma * (n - 1) + kappa * n * (n - 1);

    /// <summary>The throughput-optimal number of concurrent statements.</summary>
    public int OptimalConcurrency => Enumerable.Range(1, 200).MaxBy(Throughput);

    public double PeakThroughput => Throughput(OptimalConcurrency);

    /// <summary>Starts a statement; <paramref name="done"/> gets true when it finished, false when its timeout cancelled it.</summary>
    public void Start(double work, TimeSpan? timeoutAt, Action<bool> done)
    {
        Advance();
        _running.Add(new Statement(work, timeoutAt?.Ticks ?? long.MaxValue, done));
        Reschedule();
    }

    private void Advance()
    {
        var elapsed = (clock.NowTicks - _lastAdvance) / (double)TimeSpan.TicksPerSecond;
        _lastAdvance = clock.NowTicks;
        if (elapsed <= 0 || _running.Count == 0)
        {
            return;
        }

        var progress = elapsed / Slowdown(_running.Count);
        foreach (var statement in _running)
        {
            statement.Remaining -= progress;
        }
    }

    private void Reschedule()
    {
        if (_running.Count == 0)
        {
            _next?.Dispose();
            _next = null;
            return;
        }

        var rate = 1 / Slowdown(_running.Count);
        var soonest = long.MaxValue;
        foreach (var statement in _running)
        {
            var finish = clock.NowTicks + (long)Math.Ceiling(Math.Max(0, statement.Remaining) / rate * TimeSpan.TicksPerSecond);
            soonest = Math.Min(soonest, Math.Min(finish, statement.TimeoutAt));
        }

        var due = TimeSpan.FromTicks(Math.Max(0, soonest - clock.NowTicks));
        _next ??= clock.CreateTimer(static s => ((UslDatabase)s!).OnEvent(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _next.Change(due, Timeout.InfiniteTimeSpan);
    }

    private void OnEvent()
    {
        Advance();
        List<(Action<bool> Done, bool Finished)>? ended = null;
        for (var i = _running.Count - 1; i >= 0; i--)
        {
            var statement = _running[i];
            var finished = statement.Remaining <= 1e-9;
            if (!finished && statement.TimeoutAt > clock.NowTicks)
            {
                continue;
            }

            if (finished)
            {
                WorkCompleted += statement.Work;
            }

            _running.RemoveAt(i);
            (ended ??= []).Add((statement.Done, finished));
        }

        Reschedule();

        // Callbacks last: they hand the slot back to the gate, which may start the next statement here.
        if (ended is not null)
        {
            foreach (var (done, finished) in ended)
            {
                done(finished);
            }
        }
    }

    private sealed class Statement(double work, long timeoutAt, Action<bool> done)
    {
        public double Work { get; } = work;

        public double Remaining { get; set; } = work;

        public long TimeoutAt { get; } = timeoutAt;

        public Action<bool> Done { get; } = done;
    }
}
