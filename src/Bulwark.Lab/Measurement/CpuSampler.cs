using Bulwark.Lab.Orchestration;

namespace Bulwark.Lab.Measurement;

/// <summary>
/// Charges CPU time to the two sides of a run. The system under test: the shop's and the sandbox's
/// own time, and PostgreSQL's as the postmaster's own and reaped children's time plus its live
/// backends' own time (a backend that exits mid-run moves its time into the postmaster's reaped
/// total, so the sum never loses it). The load side: the lab's own time plus its reaped children's,
/// which is where a pgbench or wrk run lands once it has exited, plus the observers' own time
/// (Prometheus and Alertmanager watching an incident run from the load side's CPUs).
/// </summary>
public sealed class CpuSampler(SutProcesses sut, CpuSplit? split, TimeProvider time, Func<long>? observerTicks = null)
{
    public CpuSnapshot Take()
    {
        long Own(int? pid) => pid is { } p && ProcessTable.Read(p) is { } process ? process.Own : -1;
        long Postgres()
        {
            if (sut.Postmaster is not { } pid || ProcessTable.Read(pid) is not { } postmaster) return -1;
            return postmaster.WithReapedChildren + ProcessTable.ChildrenOf(pid).Sum(c => c.Own);
        }
        return new CpuSnapshot(time.GetTimestamp(), Own(sut.Shop), Postgres(), Own(sut.Sandbox),
            ProcessTable.Self() is { } self ? self.WithReapedChildren + (observerTicks?.Invoke() ?? 0) : -1, ProcessTable.Cpus());
    }

    public CpuUsage Since(CpuSnapshot start)
    {
        var end = Take();
        var wall = time.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds;
        return CpuUsage.Between(start, end, wall, ProcStat.TicksPerSecond, split, Environment.ProcessorCount);
    }
}
