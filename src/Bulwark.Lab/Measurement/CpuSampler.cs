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
    private int? _shop = sut.Shop;

    // Ticks of shop instances replaced mid-run: still the system under test's time, though the lab reaped them.
    private long _retiredShopTicks;

    public CpuSnapshot Take()
    {
        long Own(int? pid) => pid is { } p && ProcessTable.Read(p) is { } process ? process.Own : -1;
        var retired = Interlocked.Read(ref _retiredShopTicks);
        var shop = Own(_shop);
        long Postgres()
        {
            if (sut.Postmaster is not { } pid || ProcessTable.Read(pid) is not { } postmaster) return -1;
            return postmaster.WithReapedChildren + ProcessTable.ChildrenOf(pid).Sum(c => c.Own);
        }
        return new CpuSnapshot(time.GetTimestamp(), shop < 0 ? -1 : shop + retired, Postgres(), Own(sut.Sandbox),
            ProcessTable.Self() is { } self ? self.WithReapedChildren - retired + (observerTicks?.Invoke() ?? 0) : -1, ProcessTable.Cpus());
    }

    /// <summary>
    /// A rolling restart (incident 4) replaces the shop mid-run: <paramref name="stopOld"/> stops the old instance
    /// while its CPU time is read until it is gone, so that time stays on the system under test's side — once the
    /// lab has reaped the instance it would otherwise land in the lab's own (the load side's) reaped-children total.
    /// </summary>
    public async Task ReplaceShopAsync(int? next, Func<Task> stopOld)
    {
        long last = 0;
        void Read()
        {
            if (_shop is { } pid && ProcessTable.Read(pid) is { } process) last = process.Own;
        }
        Read();
        var stopping = stopOld();
        while (!stopping.IsCompleted)
        {
            await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromMilliseconds(10), time));
            Read();
        }
        await stopping;
        Interlocked.Add(ref _retiredShopTicks, last);
        _shop = next;
    }

    public CpuUsage Since(CpuSnapshot start)
    {
        var end = Take();
        var wall = time.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds;
        return CpuUsage.Between(start, end, wall, ProcStat.TicksPerSecond, split, Environment.ProcessorCount);
    }
}
