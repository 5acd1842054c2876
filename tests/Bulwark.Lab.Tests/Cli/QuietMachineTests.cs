using Bulwark.Lab.Cli;
using Bulwark.Lab.Measurement;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Lab.Tests.Cli;

public class QuietMachineTests
{
    [Fact]
    public void Load_average_is_read_from_the_first_two_fields()
    {
        Assert.Equal((1.25, 3.5), QuietMachine.ParseLoadAverage("1.25 3.50 4.00 2/311 4242\n"));
        Assert.Throws<FormatException>(() => QuietMachine.ParseLoadAverage("busy"));
    }

    [Fact]
    public void Test_hosts_of_this_process_and_its_ancestors_are_not_foreign()
    {
        (int, string)[] processes =
        [
            (10, "dotnet exec /repo/tests/A/bin/testhost.dll"),
            (11, "dotnet /usr/share/dotnet/sdk/10.0.401/MSBuild.dll"),
            (12, "/usr/bin/dotnet exec testhost.dll --port 1234"),
        ];

        Assert.Equal([10], QuietMachine.ForeignTestHosts(processes, new HashSet<int> { 12, 1 }));
    }

    [Fact]
    public void Quiet_means_low_load_and_no_foreign_test_host_or_only_the_latter_when_load_is_not_asked()
    {
        var policy = new QuietPolicy(1.5, TimeSpan.FromMinutes(20));

        Assert.True(QuietMachine.IsQuiet(new MachineLoad(1.2, 3, []), policy, loadToo: true));
        Assert.False(QuietMachine.IsQuiet(new MachineLoad(1.6, 1, []), policy, loadToo: true));
        Assert.True(QuietMachine.IsQuiet(new MachineLoad(1.6, 1, []), policy, loadToo: false));
        Assert.False(QuietMachine.IsQuiet(new MachineLoad(0.1, 0.1, [42]), policy, loadToo: false));
    }

    [Fact]
    public void Cpus_still_busy_since_the_last_reading_are_not_quiet_even_when_the_load_average_is_not_asked()
    {
        var policy = new QuietPolicy(1.5, TimeSpan.FromMinutes(20), MaxBusyShare: 0.2);
        var before = new MachineLoad(4.8, 3, [], new CpuJiffies(Busy: 100, Total: 800));

        var vacuuming = new MachineLoad(4.7, 3, [], new CpuJiffies(150, 1000)).Since(before);
        var idle = new MachineLoad(4.7, 3, [], new CpuJiffies(110, 1000)).Since(before);

        Assert.Equal(0.25, vacuuming.BusyShare);
        Assert.False(QuietMachine.IsQuiet(vacuuming, policy, loadToo: false));
        Assert.Equal(0.05, idle.BusyShare);
        Assert.True(QuietMachine.IsQuiet(idle, policy, loadToo: false));
        Assert.False(QuietMachine.IsQuiet(idle, policy, loadToo: true));
        Assert.Contains("CPUs 5 % busy", idle.ToString().Replace("\u00a0", " ", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_quiet_machine_is_measured_at_once_and_a_disabled_policy_never_waits()
    {
        var busy = new MachineLoad(9, 9, [7]);
        var quiet = new MachineLoad(0.5, 0.7, []);

        var measured = await new QuietMachine(QuietPolicy.Default, TimeProvider.System, NullLogger.Instance, () => quiet).WaitAsync("run", loadToo: true, CancellationToken.None);
        var unpoliced = await new QuietMachine(QuietPolicy.None, TimeProvider.System, NullLogger.Instance, () => busy).WaitAsync("run", loadToo: true, CancellationToken.None);

        Assert.Equal(0.5, measured.AtStart.OneMinute);
        Assert.False(measured.GaveUp);
        Assert.Equal(9, unpoliced.AtStart.OneMinute);
        Assert.False(unpoliced.GaveUp);
    }
}
