using System.Diagnostics;
using Bulwark.Guard.Bulkheads;

namespace Bulwark.Guard.Tests.Bulkheads;

/// <summary>The thread CPU clock against the real kernel: a sleeping thread uses none, a spinning one some.</summary>
public sealed class ThreadCpuTimeTests
{
    [Fact]
    public void A_thread_that_sleeps_uses_almost_no_cpu_and_one_that_spins_uses_cpu_but_no_more_than_the_wall_time()
    {
        var beforeSleep = ThreadCpuTime.Current()!.Value;
        Thread.Sleep(200);
        var slept = ThreadCpuTime.Current()!.Value - beforeSleep;
        Assert.True(slept < TimeSpan.FromMilliseconds(20), $"sleeping used {slept.TotalMilliseconds} ms of CPU");

        var wall = Stopwatch.StartNew();
        var beforeSpin = ThreadCpuTime.Current()!.Value;
        var spins = 0L;
        while (wall.Elapsed < TimeSpan.FromMilliseconds(200))
        {
            spins++;
        }

        var spun = ThreadCpuTime.Current()!.Value - beforeSpin;
        var took = wall.Elapsed;
        Assert.True(spins > 0);
        // Even on a machine other processes keep busy, two hundred milliseconds of spinning get a share of a core.
        Assert.InRange(spun, TimeSpan.FromMilliseconds(20), took + TimeSpan.FromMilliseconds(5));
    }
}
