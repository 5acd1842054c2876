using Bulwark.Guard.Edge;
using Bulwark.Guard.Tests.Simulation;

namespace Bulwark.Guard.Tests.Edge;

public sealed class CpuSaturationTests
{
    /// <summary>A /proc/stat with cpu0 and cpu1 at the given busy and idle ticks (user and idle fields; the rest zero).</summary>
    private static string Stat((long Busy, long Idle) cpu0, (long Busy, long Idle) cpu1) =>
        $"""
        cpu  {cpu0.Busy + cpu1.Busy} 0 0 {cpu0.Idle + cpu1.Idle} 0 0 0 0 0 0
        cpu0 {cpu0.Busy} 0 0 {cpu0.Idle} 0 0 0 0 0 0
        cpu1 {cpu1.Busy} 0 0 {cpu1.Idle} 0 0 0 0 0 0
        intr 12345
        """;

    [Fact]
    public void Counts_only_the_cpus_the_process_may_run_on_over_the_last_second()
    {
        var clock = new VirtualClock();
        var stat = Stat((100, 100), (100, 100));
        using var saturation = new CpuSaturation(clock, () => stat, new HashSet<int> { 0 });
        Assert.Null(saturation.BusyShare);
        Assert.False(saturation.AtLeast(0.5));

        // The shop's core busy the whole period while the other core idles: saturated all the same.
        stat = Stat((125, 100), (100, 125));
        clock.RunUntil(CpuSaturation.Period);
        Assert.Equal(1.0, saturation.BusyShare);
        Assert.True(saturation.AtLeast(0.9));

        // Then busy a fifth of the next period: 30 of the 50 ticks since the first reading.
        stat = Stat((130, 120), (100, 150));
        clock.RunUntil(2 * CpuSaturation.Period);
        Assert.Equal(0.6, saturation.BusyShare!.Value, 3);
        Assert.False(saturation.AtLeast(0.9));
    }

    [Fact]
    public void One_busy_quarter_second_in_a_calm_second_is_not_saturation_but_a_busy_second_is()
    {
        var clock = new VirtualClock();
        long busy = 0, idle = 0;
        using var saturation = new CpuSaturation(clock, () => $"cpu0 {busy} 0 0 {idle} 0 0 0 0 0 0\n", null);
        void Period(long busyTicks)
        {
            busy += busyTicks;
            idle += 25 - busyTicks;
            clock.RunUntil(clock.Now + CpuSaturation.Period);
        }

        // Ordinary traffic: 60 % busy, with one quarter second at 100 %.
        Period(15);
        Period(15);
        Period(15);
        Period(25);
        Assert.Equal(0.7, saturation.BusyShare!.Value, 3);
        Assert.False(saturation.AtLeast(0.9));

        // A second of 95 %: the window has moved past the calm periods.
        for (var i = 0; i < CpuSaturation.WindowPeriods; i++)
        {
            Period(24);
        }

        Assert.Equal(0.96, saturation.BusyShare!.Value, 3);
        Assert.True(saturation.AtLeast(0.9));
    }

    [Fact]
    public void Iowait_is_idle_and_everything_else_is_busy()
    {
        var before = CpuSaturation.Totals("cpu0 10 20 30 40 50 60 70 80 90 100\n", null);
        Assert.Equal((10 + 20 + 30 + 60 + 70 + 80, 10 + 20 + 30 + 40 + 50 + 60 + 70 + 80), before!.Value);
    }

    [Fact]
    public void Without_proc_stat_it_stays_unknown_and_never_reads_as_saturated()
    {
        var clock = new VirtualClock();
        using var saturation = new CpuSaturation(clock, () => null, null);
        clock.RunUntil(10 * CpuSaturation.Period);
        Assert.Null(saturation.BusyShare);
        Assert.False(saturation.AtLeast(0.5));
    }
}
