using Bulwark.Lab.Measurement;
using Bulwark.Lab.Orchestration;

namespace Bulwark.Lab.Tests.Measurement;

public class ProcStatTests
{
    [Fact]
    public void A_process_line_gives_parent_and_cpu_ticks_even_when_the_name_has_spaces_and_parentheses()
    {
        const string line = "4242 (postgres: bulwark (idle)) S 4100 4100 4100 0 -1 4194560 1500 0 0 0 1234 567 89 10 20 0 1 0 987654 231000000 3000 18446744073709551615 0 0 0 0 0 0 0 4194304 19015 0 0 0 17 1 0 0 0 0 0";

        var process = ProcStat.ParseProcess(line);

        Assert.Equal(new ProcessCpu(4242, 4100, 1234, 567, 89, 10), process);
        Assert.Equal(1801, process!.Value.Own);
        Assert.Equal(1900, process.Value.WithReapedChildren);
    }

    [Theory]
    [InlineData("")]
    [InlineData("4242 (short) S 1 2 3")]
    [InlineData("x (name) S 1 1 1 0 -1 0 0 0 0 0 1 2 3 4")]
    public void Truncated_or_foreign_lines_read_as_nothing(string line) => Assert.Null(ProcStat.ParseProcess(line));

    [Fact]
    public void Per_cpu_lines_count_everything_but_idle_and_iowait_as_busy()
    {
        const string text = """
            cpu  300 0 100 1000 50 10 5 0 0 0
            cpu0 200 0 60 400 20 6 3 1 0 0
            cpu1 100 0 40 600 30 4 2 0 0 0
            intr 12345
            ctxt 999
            """;

        var cpus = ProcStat.ParseCpus(text);

        Assert.Equal([0, 1], cpus.Keys.Order());
        Assert.Equal(new CpuJiffies(200 + 60 + 6 + 3 + 1, 200 + 60 + 400 + 20 + 6 + 3 + 1), cpus[0]);
        Assert.Equal(new CpuJiffies(146, 776), cpus[1]);
    }

    [Fact]
    public void The_allowed_cpu_list_is_read_from_the_status_file()
    {
        const string status = "Name:\tdotnet\nCpus_allowed:\t2\nCpus_allowed_list:\t1\nMems_allowed_list:\t0\n";
        Assert.Equal("1", ProcStat.AllowedCpuList(status));
        Assert.Null(ProcStat.AllowedCpuList("Name:\tx\n"));
    }

    [Fact]
    public void Cpu_usage_charges_each_side_its_own_ticks_and_shares_of_its_own_cpus()
    {
        var cpusAt = (long busy0, long total0, long busy1, long total1) => new Dictionary<int, CpuJiffies> { [0] = new(busy0, total0), [1] = new(busy1, total1) };
        var start = new CpuSnapshot(0, Shop: 1_000, Postgres: 500, Sandbox: -1, Load: 2_000, cpusAt(0, 0, 0, 0));
        var end = new CpuSnapshot(0, Shop: 1_300, Postgres: 650, Sandbox: -1, Load: 2_450, cpusAt(480, 500, 460, 500));

        var usage = CpuUsage.Between(start, end, wallSeconds: 5, ticksPerSecond: 100, new CpuSplit(CpuSet.Parse("0"), CpuSet.Parse("1")), allCpus: 2);

        Assert.Equal(3.0, usage.ShopSeconds, 6);
        Assert.Equal(1.5, usage.PostgresSeconds, 6);
        Assert.True(double.IsNaN(usage.SandboxSeconds));
        Assert.Equal(4.5, usage.SutSeconds, 6);            // no sandbox: shop + PostgreSQL
        Assert.Equal(0.9, usage.SutShare, 6);              // 4.5 s of 5 s × 1 CPU
        Assert.Equal(0.9, usage.LoadShare, 6);
        Assert.Equal(0.96, usage.SutSetBusyShare, 6);      // cpu0 by /proc/stat
        Assert.Equal(0.92, usage.LoadSetBusyShare, 6);
    }

    [Fact]
    public void Without_isolation_both_sides_are_measured_against_every_cpu()
    {
        var cpus = new Dictionary<int, CpuJiffies> { [0] = new(0, 0), [1] = new(0, 0) };
        var usage = CpuUsage.Between(new CpuSnapshot(0, 0, 0, 0, 0, cpus), new CpuSnapshot(0, 100, 100, 0, 200, cpus), 2, 100, split: null, allCpus: 2);

        Assert.Equal(2, usage.SutCpus);
        Assert.Equal(0.5, usage.SutShare, 6);
        Assert.Equal(0.5, usage.LoadShare, 6);
    }

    [Fact]
    public void A_process_the_lab_does_not_own_leaves_the_system_under_test_unknown()
    {
        var cpus = new Dictionary<int, CpuJiffies>();
        var usage = CpuUsage.Between(new CpuSnapshot(0, -1, -1, -1, 0, cpus), new CpuSnapshot(0, -1, -1, -1, 100, cpus), 1, 100, null, 2);
        Assert.True(double.IsNaN(usage.SutSeconds));
        Assert.Equal(1.0, usage.LoadSeconds, 6);
    }

    [Theory]
    [InlineData(2.0, 0.5, true, null)]
    [InlineData(10.0, 0.9, true, null)]
    [InlineData(10.1, 0.5, false, "generator lag p99 10.1 ms > 10 ms")]
    [InlineData(1.0, 0.95, false, "load side used 95% of its CPUs (> 90%)")]
    [InlineData(1.0, double.NaN, true, null)]
    public void A_run_is_invalid_when_the_generator_lags_or_runs_out_of_cpu(double lagP99Ms, double loadShare, bool valid, string? reason)
    {
        var validity = RunValidity.Judge(lagP99Ms, loadShare);
        Assert.Equal(valid, validity.Valid);
        Assert.Equal(reason, validity.Reason?.Replace(" %", "%"));
    }
}
