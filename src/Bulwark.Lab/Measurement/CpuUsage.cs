using Bulwark.Lab.Orchestration;

namespace Bulwark.Lab.Measurement;

/// <summary>The processes a run charges to the system under test; null where the lab does not own one (--target, no sandbox).</summary>
public sealed record SutProcesses(int? Shop, int? Postmaster, int? Sandbox)
{
    public static SutProcesses None { get; } = new(null, null, null);
}

/// <summary>CPU clock ticks used so far, per side, at one instant; -1 where a process is unknown or gone.</summary>
public sealed record CpuSnapshot(long Timestamp, long Shop, long Postgres, long Sandbox, long Load, IReadOnlyDictionary<int, CpuJiffies> Cpus);

/// <summary>
/// CPU used during one run, in CPU-seconds per side and as a share of what that side's CPUs could
/// give in the run's wall time. Unknown values are NaN (a shop the lab does not own).
/// </summary>
/// <param name="SutCpus">CPUs the system under test may use (all of them without isolation).</param>
/// <param name="SutSetBusyShare">How busy the SUT's CPUs were by /proc/stat, whoever used them: shows other load on the machine.</param>
public sealed record CpuUsage(
    double WallSeconds,
    double ShopSeconds,
    double PostgresSeconds,
    double SandboxSeconds,
    double LoadSeconds,
    int SutCpus,
    int LoadCpus,
    double SutSetBusyShare,
    double LoadSetBusyShare)
{
    public static CpuUsage Unknown { get; } = new(0, double.NaN, double.NaN, double.NaN, double.NaN, 0, 0, double.NaN, double.NaN);

    /// <summary>Shop + PostgreSQL (+ sandbox when it runs); NaN when the shop or PostgreSQL is unknown.</summary>
    public double SutSeconds => ShopSeconds + PostgresSeconds + (double.IsNaN(SandboxSeconds) ? 0 : SandboxSeconds);

    public double SutShare => Share(SutSeconds, SutCpus);

    public double LoadShare => Share(LoadSeconds, LoadCpus);

    double Share(double seconds, int cpus) => WallSeconds > 0 && cpus > 0 ? seconds / (WallSeconds * cpus) : double.NaN;

    /// <summary>The difference of two snapshots; <paramref name="split"/> null means both sides share every CPU.</summary>
    public static CpuUsage Between(CpuSnapshot start, CpuSnapshot end, double wallSeconds, long ticksPerSecond, CpuSplit? split, int allCpus)
    {
        double Seconds(long a, long b) => a < 0 || b < 0 ? double.NaN : (b - a) / (double)ticksPerSecond;
        double Busy(CpuSet? cpus)
        {
            var ids = cpus?.Cpus ?? [.. end.Cpus.Keys];
            long busy = 0, total = 0;
            foreach (var id in ids)
            {
                if (!start.Cpus.TryGetValue(id, out var a) || !end.Cpus.TryGetValue(id, out var b)) return double.NaN;
                busy += b.Busy - a.Busy;
                total += b.Total - a.Total;
            }
            return total > 0 ? busy / (double)total : double.NaN;
        }
        return new CpuUsage(
            wallSeconds,
            Seconds(start.Shop, end.Shop),
            Seconds(start.Postgres, end.Postgres),
            Seconds(start.Sandbox, end.Sandbox),
            Seconds(start.Load, end.Load),
            split?.Sut.Count ?? allCpus,
            split?.Load.Count ?? allCpus,
            Busy(split?.Sut),
            Busy(split?.Load));
    }
}
