using System.Globalization;

namespace Bulwark.Guard.Edge;

/// <summary>
/// How busy the CPUs this process may run on are, whoever keeps them busy (this process, or a PostgreSQL
/// sharing its cores), from the kernel's per-CPU counters (<c>/proc/stat</c>) every <see cref="Period"/>.
/// <see cref="ProcessingDelay"/> cannot see this kind of saturation: in the lab's incident 3 the one core the
/// shop and PostgreSQL share was 100 % busy while the timer that probes the thread pool ran at most 10 ms late
/// (the scheduler serves a short callback promptly between longer runners). Unknown (null) where there is no
/// <c>/proc/stat</c>.
/// </summary>
public sealed class CpuSaturation : IDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Periods the busy share is taken over (a second): saturation means sustained, not one busy quarter second — in
    /// the lab's incident 4 (ordinary traffic, the core 69 % busy on average) single quarter seconds reached 90 % often
    /// enough that sign-ins were held to the hashing share and a quarter of them refused.
    /// </summary>
    public const int WindowPeriods = 4;

    private readonly Func<string?> _readStat;
    private readonly IReadOnlySet<int>? _cpus;
    private readonly ITimer _timer;
    private readonly Queue<(long Busy, long Total)> _readings = new();
    private double _busyShare = double.NaN;

    public CpuSaturation(TimeProvider clock) : this(clock, ReadProcStat, AllowedCpus())
    {
    }

    /// <param name="clock">Schedules the readings.</param>
    /// <param name="readStat">The text of <c>/proc/stat</c>, or null when it cannot be read.</param>
    /// <param name="cpus">The CPUs to count (the process's affinity); null: every CPU listed.</param>
    public CpuSaturation(TimeProvider clock, Func<string?> readStat, IReadOnlySet<int>? cpus)
    {
        _readStat = readStat;
        _cpus = cpus;
        Sample();
        _timer = clock.CreateTimer(static state => ((CpuSaturation)state!).Sample(), this, Period, Period);
    }

    /// <summary>Share of the last second (<see cref="WindowPeriods"/> periods) the counted CPUs were busy (0–1), or null until known.</summary>
    public double? BusyShare
    {
        get
        {
            var share = Volatile.Read(ref _busyShare);
            return double.IsNaN(share) ? null : share;
        }
    }

    /// <summary>Busy at or above <paramref name="threshold"/> of the time; false while unknown.</summary>
    public bool AtLeast(double threshold) => BusyShare >= threshold;

    private void Sample()
    {
        if (_readStat() is not { } stat || Totals(stat, _cpus) is not { } now)
        {
            return;
        }

        // The oldest reading kept is a window ago (fewer periods while the window fills).
        _readings.Enqueue(now);
        if (_readings.Count > WindowPeriods + 1)
        {
            _readings.Dequeue();
        }

        var before = _readings.Peek();
        if (now.Total > before.Total)
        {
            Volatile.Write(ref _busyShare, (now.Busy - before.Busy) / (double)(now.Total - before.Total));
        }
    }

    /// <summary>Busy and total ticks summed over the counted <c>cpuN</c> lines; null when none is found.</summary>
    internal static (long Busy, long Total)? Totals(string stat, IReadOnlySet<int>? cpus)
    {
        long busy = 0, total = 0;
        var found = false;
        foreach (var line in stat.Split('\n'))
        {
            // "cpuN user nice system idle iowait irq softirq steal guest guest_nice"; the "cpu " line is the sum of all.
            if (!line.StartsWith("cpu", StringComparison.Ordinal) || line.Length < 4 || !char.IsAsciiDigit(line[3]))
            {
                continue;
            }

            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (!int.TryParse(fields[0].AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var cpu)
                || (cpus is not null && !cpus.Contains(cpu)) || fields.Length < 9)
            {
                continue;
            }

            long lineTotal = 0;
            for (var i = 1; i <= 8; i++)
            {
                lineTotal += long.Parse(fields[i], CultureInfo.InvariantCulture);
            }

            var idle = long.Parse(fields[4], CultureInfo.InvariantCulture) + long.Parse(fields[5], CultureInfo.InvariantCulture);
            busy += lineTotal - idle;
            total += lineTotal;
            found = true;
        }

        return found ? (busy, total) : null;
    }

    private static string? ReadProcStat()
    {
        try
        {
            return File.ReadAllText("/proc/stat");
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static HashSet<int>? AllowedCpus()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var mask = (long)System.Diagnostics.Process.GetCurrentProcess().ProcessorAffinity;
        var cpus = new HashSet<int>();
        for (var cpu = 0; cpu < 64; cpu++)
        {
            if ((mask & (1L << cpu)) != 0)
            {
                cpus.Add(cpu);
            }
        }

        return cpus.Count > 0 ? cpus : null;
    }

    public void Dispose() => _timer.Dispose();
}
